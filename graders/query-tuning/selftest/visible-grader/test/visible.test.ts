import { starterVisibleTests } from '@bc/harness/kit';

// The starter's own visible tests, against the submission.
starterVisibleTests('query-tuning', () => ({}));
