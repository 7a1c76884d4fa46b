import { validateVisibleTests } from '@bc/harness/testing';
import { graderDir } from './paths.ts';

validateVisibleTests({ slug: 'rate-limiter', graderDir, tests: 4 });
