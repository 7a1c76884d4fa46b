import { validateGrader } from '@bc/harness/testing';

// The suite's share of the self-validation (rubric ⇄ tests ⇄ README rules and bounds, reference
// and alternative 100, starter low, every mutant caught in its recorded words); `pnpm validate
// query-tuning --seeds 5` does the rest after a change to this grader.
validateGrader({ slug: 'query-tuning', starterQuickWhileRecorded: true });
