import { validateVisibleTests } from '@bc/harness/testing';

validateVisibleTests({ slug: 'saga', tests: 4 });
