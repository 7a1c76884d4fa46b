import { validateVisibleTests } from '@bc/harness/testing';
import { graderDir } from './paths.ts';

validateVisibleTests({ slug: 'saga', graderDir, tests: 4 });
