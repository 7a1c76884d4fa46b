import { validateVisibleTests } from '@bc/harness/testing';

validateVisibleTests({ slug: 'rate-limiter', tests: 4 });
