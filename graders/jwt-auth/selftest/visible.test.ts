import { validateVisibleTests } from '@bc/harness/testing';

validateVisibleTests({ slug: 'jwt-auth', tests: 4 });
