import { validateVisibleTests } from '@bc/harness/testing';
import { graderDir } from './paths.ts';

validateVisibleTests({ slug: 'jwt-auth', graderDir, tests: 4 });
