import { validateVisibleTests } from '@bc/harness/testing';

validateVisibleTests({ slug: 'cache', tests: 4 });
