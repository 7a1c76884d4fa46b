import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { grade, graderDirFor } from '@bc/harness';
import { materializeMutant } from '@bc/harness/mutants';
import { afterAll, expect, test } from 'vitest';

// security-model.md: a hostile submission per attack class, graded for real. This one is the
// reference, plus, at every start of its service, views and functions named like the catalogs
// the grader reads (pg_locks, pg_stat_activity, pg_class, txid_current, …) and the database's
// search_path set so that every new session finds them first. Run by a superuser, they write a
// file outside the sandbox; the grader's administrator sessions must never find them.

const here = dirname(fileURLToPath(import.meta.url));
const CANARY_DIR = '/tmp';
const canaries = (): string[] => readdirSync(CANARY_DIR).filter((f) => f.startsWith('bc-zd-shadow-canary-'));
let submission: string | undefined;

const removeCanaries = (): void => {
  for (const f of canaries()) rmSync(join(CANARY_DIR, f), { force: true });
};

afterAll(() => {
  // A failing run leaves its canary behind only until here: a grading leaves no file behind.
  removeCanaries();
  if (submission) rmSync(dirname(submission), { recursive: true, force: true });
});

test("when a submission shadows the catalogs and sets its database's search_path, then no superuser session runs its functions, and the migration is judged as the reference's", async () => {
  removeCanaries();
  const graderDir = graderDirFor('zero-downtime');
  submission = materializeMutant(join(graderDir, 'reference'), {
    name: 'shadows-catalogs',
    patchFile: join(here, 'hostile', 'shadows-catalogs.patch'),
  } as Parameters<typeof materializeMutant>[1]);
  const r = await grade({
    challenge: 'zero-downtime',
    submission,
    seed: 11,
    // What it proves does not depend on the table's size: the small one, as a mutant's gradings.
    small: true,
    only: ['no-lock-waits', 'backfill-batches', 'steps-twice', 'final-shape'],
  });
  expect(canaries(), 'a superuser ran the submission’s function').toEqual([]);
  expect(r.status, `${r.reason ?? ''}\n${r.candidate.outputTail}`).toBe('graded');
  // The sampler and the catalog reads saw through the shadows: the reference's migration passes.
  expect(r.tests.filter((t) => t.status !== 'passed').map((t) => `${t.id}: ${t.output}`)).toEqual([]);
}, 600_000);
