import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { grade } from '../src/grade.ts';
import { graderDirFor, loadGrader } from '../src/graders.ts';
import { dockerUnavailable } from '../src/provision/docker.ts';
import { listMutants, materializeMutant, mutantMismatches } from '../src/testing.ts';
import type { GradeResult } from '../src/types.ts';
import { expectNothingOfARunLeft } from './docker-runs.ts';

const why = dockerUnavailable(['postgres', 'redis'], true);
// A skip must say why where CI prints it: a silent skip reads as a pass.
if (why) process.stdout.write(`docker reference tests skipped: ${why}\n`);

// A file of its own, which the suite runs once the graders are done (scripts/test.sh): its items
// are timed (a redirect within 1.5 s while Redis is away), and beside the graders' pools they lost
// that bound at nice 19 (ci50, 1,952 ms), or, at normal priority, cost the graders' own timed
// items (ci49, ci51).
describe.skipIf(why !== null)('a challenge graded in Docker (--services docker --sandbox docker)', () => {
  afterEach(expectNothingOfARunLeft);

  test('when the URL-shortener reference is graded in Docker, then it gets full marks on every item that does not load it; a mutant graded in Docker loses exactly the resilience items it names', async () => {
    const graderDir = graderDirFor('url-shortener');
    const reference = join(graderDir, 'reference');
    const inDockerGrade = (submission: string, only?: string[]) =>
      grade({
        challenge: 'url-shortener',
        submission,
        seed: 21,
        only,
        services: 'docker',
        sandbox: 'docker',
      });
    // Locally, the reference's 100 is the URL shortener's self-test's to prove: once is enough.
    // The items that load it are left out: its concurrent bursts (1,000 creates at once, 40 of one
    // alias, concurrent clicks) and its load file (a 3,000-row fill, eight rounds of load).
    // Through Docker's network, on the suite's busy machine, one of those requests went
    // unanswered for over 5 s in five rehearsals and a CI run, holding the machine alone or not,
    // and with the firewall no longer resetting stray packets (rehearsal at 0ad99d6): a
    // Docker-mode problem of its own, open in issue 19, that a harness test cannot pin. Every
    // other item must get full marks, beside the graders' gradings as any grading (it held the
    // machine alone until 0b65aa2: 75 s of the suite's critical path, for 25 s of grading). The
    // load items in Docker:
    // `pnpm grade url-shortener graders/url-shortener/reference --services docker --sandbox docker`.
    const loadItems = [
      'unique-codes-under-load',
      'alias-race-single-winner',
      'clicks-under-concurrency',
      'clicks-exact-after-load',
      'redirect-throughput',
      'redirect-p99',
    ];
    const items = (await loadGrader(graderDir)).rubric.map((r) => r.slug);
    expect(items).toEqual(expect.arrayContaining(loadItems));
    const notLoad = items.filter((slug) => !loadItems.includes(slug));
    const at = Date.now();
    const ref = await inDockerGrade(reference, notLoad);
    expect(ref.sandbox.mode).toBe('docker');
    expect(ref.services.postgres).toMatch(/in Docker/);
    const lost = (r: GradeResult) =>
      r.tests
        .filter((t) => t.score < t.max_score)
        .map((t) => `${t.id}: ${t.output} ${t.measured?.join(' ') ?? ''}`)
        .join('\n');
    // With --only, the score is out of the items graded.
    expect(ref.score, lost(ref)).toBe(ref.max_score);
    expect(ref.tests.map((t) => t.id).sort()).toEqual([...notLoad].sort());
    expect(ref.skipped.map((t) => t.id).sort()).toEqual([...loadItems].sort());
    process.stdout.write(
      `docker: url-shortener reference, seed 21, in Docker (services and sandbox): ${((Date.now() - at) / 1000).toFixed(1)} s\n`,
    );

    // Restarts, SIGTERM and Redis cut through the proxy: the resilience items, for a mutant that
    // fails some. Exactly its named items lose points, as its self-test proves locally (a second,
    // local grading here measured 26 s of the suite and proved nothing more).
    const mutant = listMutants(join(graderDir, 'mutants')).find((m) => m.name === 'no-redis-fallback')!;
    const dir = materializeMutant(reference, mutant);
    try {
      const started = Date.now();
      const inDocker = await inDockerGrade(dir, ['resilience']);
      expect(inDocker.sandbox.mode).toBe('docker');
      expect(mutantMismatches(inDocker, mutant)).toEqual([]);
      process.stdout.write(
        `docker: mutant ${mutant.name}, resilience items in Docker: ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  }, 400_000);
});
