import { validateVisibleTests } from '@bc/harness/testing';

// Through a take-home export: the exported repository installs, builds and runs its own tests.
validateVisibleTests({ slug: 'url-shortener', tests: 4, viaExport: true });
