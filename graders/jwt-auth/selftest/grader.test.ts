import { validateGrader } from '@bc/harness/testing';

// The suite's share of the self-validation (rubric ⇄ tests ⇄ README rules and bounds, reference
// and alternative 100, starter low, every mutant caught in its recorded words); `pnpm validate
// jwt-auth --seeds 5` does the rest after a change to this grader.
// string-secret (a 30 s measurement) is measured on every run even while the record holds it: the
// suite's own proof that a slow submission still measures slow (verifying with a string secret
// costs 50x a KeyObject: a margin no busy machine closes). The rate limiter's
// window-counted-by-reading, 15 s, was tried first: 0.30-0.36x alone against full marks at 0.5x,
// it kept all its points once in a rehearsal beside the harness's tests.
validateGrader({ slug: 'jwt-auth', alwaysMeasured: ['string-secret'] });
