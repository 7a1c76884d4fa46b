import { validateGrader } from '@bc/harness/testing';

// The suite's share of the self-validation; `pnpm validate zero-downtime --seeds 5` does the rest.
validateGrader({ slug: 'zero-downtime', starterQuickWhileRecorded: true });
