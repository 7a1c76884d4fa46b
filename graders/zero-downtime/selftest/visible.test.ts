import { validateVisibleTests } from '@bc/harness/testing';

validateVisibleTests({ slug: 'zero-downtime', tests: 4 });
