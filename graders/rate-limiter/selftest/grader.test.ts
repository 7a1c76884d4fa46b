import { validateGrader } from '@bc/harness/testing';

// The suite's share of the self-validation (rubric ⇄ tests ⇄ README rules and bounds, reference
// and alternative 100, starter low, every mutant caught in its recorded words); `pnpm validate
// rate-limiter --seeds 5` does the rest after a change to this grader.
// window-counted-by-reading (a 15 s measurement, the cheapest of the five graders') is measured
// on every run even while the record holds it: the suite's own proof that the load kit still tells
// a slow submission from the reference.
validateGrader({ slug: 'rate-limiter', alwaysMeasured: ['window-counted-by-reading'] });
