import { starterVisibleTests } from '@bc/harness/kit';

// The starter's own visible tests, against the submission.
starterVisibleTests('url-shortener', (g) => ({ TARGET_BASE_URL: g.env.BASE_URL! }));
