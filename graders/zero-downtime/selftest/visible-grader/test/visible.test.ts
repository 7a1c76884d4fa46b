import { starterVisibleTests } from '@bc/harness/kit';
import { runOnce } from '@bc/harness/kit/deploy';
import { beforeAll } from 'vitest';

// The README's way to run them: version 1, after the submission's own expand (in its sandbox).
beforeAll(async () => {
  const r = await runOnce({ label: 'expand', env: { MIGRATION_STEP: 'expand' } });
  if (r.code !== 0) throw new Error(`MIGRATION_STEP=expand exited ${r.code ?? r.killed}: ${r.output}`);
}, 300_000);

// The starter's own visible tests, against the submission.
starterVisibleTests('zero-downtime', () => ({}));
