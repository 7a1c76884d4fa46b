import { validateVisibleTests } from '@bc/harness/testing';
import { graderDir } from './paths.ts';

validateVisibleTests({ slug: 'paginated-api', graderDir, tests: 4 });
