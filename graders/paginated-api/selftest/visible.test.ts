import { validateVisibleTests } from '@bc/harness/testing';

validateVisibleTests({ slug: 'paginated-api', tests: 4 });
