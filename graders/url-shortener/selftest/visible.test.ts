import { validateVisibleTests } from '@bc/harness/testing';
import { graderDir } from './paths.ts';

validateVisibleTests({ slug: 'url-shortener', graderDir, tests: 4 });
