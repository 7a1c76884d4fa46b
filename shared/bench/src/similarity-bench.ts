import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@bc/harness';
import { median } from '@bc/harness/kit/load';
import { compareSubmissions } from '@bc/harness/similarity';

/**
 * Wall time of `grade batch`'s similarity pass over `count` url-shortener submissions (copies of
 * its reference, alternatives and starter, so many pairs are flagged and get fragments: the slow
 * case), median of `runs`. A number to print, not a bound: on a busy machine it grows tenfold.
 */
export async function benchSimilarity(count: number, runs: number): Promise<void> {
  const grader = join(REPO_ROOT, 'graders', 'url-shortener');
  const challenge = join(REPO_ROOT, 'challenges', 'url-shortener');
  const seeds = [
    join(grader, 'reference'),
    join(grader, 'fixtures', 'alternative'),
    join(grader, 'fixtures', 'alternative-python'),
    join(grader, 'fixtures', 'alternative-go'),
    challenge,
  ];
  const dir = mkdtempSync(join(tmpdir(), 'bc-bench-similarity-'));
  try {
    const subs = Array.from({ length: count }, (_, i) => {
      const path = join(dir, `s${i}`);
      cpSync(seeds[i % seeds.length]!, path, {
        recursive: true,
        filter: (s) => !/node_modules|[/\\]dist$/.test(s),
      });
      return { name: `s${i}`, path };
    });
    const seconds: number[] = [];
    let pairs = 0;
    for (let i = 0; i < runs; i++) {
      const r = await compareSubmissions(subs, challenge);
      seconds.push(r.seconds);
      pairs = r.pairs.length;
    }
    const mid = median(seconds);
    process.stdout.write(
      `similarity: ${count} submissions, ${pairs} pairs, median ${mid.toFixed(2)} s of ${runs} ` +
        `(${seconds.map((s) => s.toFixed(2)).join(', ')}), ${((mid / pairs) * 1000).toFixed(1)} ms per pair\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
