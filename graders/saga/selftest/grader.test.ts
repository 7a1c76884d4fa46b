import { validateGrader } from '@bc/harness/testing';

// The suite's share of the self-validation (rubric ⇄ tests ⇄ README rules and bounds, reference
// and alternative 100, starter low, every mutant caught in its recorded words); `pnpm validate
// saga --seeds 5` does the rest after a change to this grader.
// Its items wait out leases, timeouts and retries (seconds each, with seconds of margin): at three
// gradings at once the cores sat 50-90 % idle for a minute, so up to five while they do.
validateGrader({ slug: 'saga', maxParallel: 5 });
