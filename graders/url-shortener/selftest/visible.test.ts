import { validateVisibleTests } from '@bc/harness/testing';
import { graderDir } from './paths.ts';

// Through a take-home export: the exported repository installs, builds and runs its own tests.
validateVisibleTests({ slug: 'url-shortener', graderDir, tests: 4, viaExport: true });
