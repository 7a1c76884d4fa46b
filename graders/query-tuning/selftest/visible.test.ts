import { validateVisibleTests } from '@bc/harness/testing';

validateVisibleTests({ slug: 'query-tuning', tests: 5 });
