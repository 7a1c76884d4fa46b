import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InterruptedError, UsageError } from './errors.ts';
import { readFollowUps } from './follow-ups.ts';
import { type GradeOptions, grade } from './grade.ts';
import { graderDirFor, REPO_ROOT } from './graders.ts';
import { hashTree, suiteHash } from './provenance.ts';
import { writeOutputs } from './report/formats.ts';
import { writeLeaderboard } from './report/leaderboard.ts';
import { writeSimilarity } from './report/similarity.ts';
import { compareSubmissions } from './similarity.ts';
import type { GradeResult } from './types.ts';

/** Options of grading a directory of submissions. */
export interface BatchOptions {
  challenge: string;
  /** A directory whose subdirectories are submissions (each named after its candidate). */
  dir: string;
  /** Each submission's reports go in `<out>/<name>/`, the leaderboard beside them. */
  out: string;
  /** Gradings at once (load measurements still run alone). */
  parallel: number;
  /** One seed for the whole batch, so every submission gets the same inputs. */
  seed: number;
  services?: GradeOptions['services'];
  sandbox?: GradeOptions['sandbox'];
  unsafe?: boolean;
  graderDir?: string;
  timeoutOverrides?: GradeOptions['timeoutOverrides'];
  /** Earlier cohorts' batch directories: their submissions are compared with this batch's too. */
  against?: string[];
  /** What every candidate was given, left out of the comparison (default: `challenges/<slug>`). */
  starter?: string;
  /** Progress lines (the CLI's bar). */
  onEvent?: (e: BatchEvent) => void;
}

/** What the batch reports as it goes. */
export type BatchEvent =
  | { kind: 'start'; name: string; done: number; total: number; running: number }
  | { kind: 'done'; name: string; done: number; total: number; running: number; result: GradeResult }
  | { kind: 'resumed'; name: string; done: number; total: number }
  | { kind: 'failed'; name: string; done: number; total: number; running: number; message: string }
  | { kind: 'similarity'; pairs: number; listed: number; seconds: number };

/** How one submission fared: graded now, kept from an earlier run, or not graded (why). */
export interface BatchEntry {
  name: string;
  state: 'graded' | 'resumed' | 'failed';
  message?: string;
}

/** What `<out>/<name>/batch.json` records: which inputs produced the reports beside it. */
interface BatchStamp {
  key: string;
  seed: number;
}

const SKIP = new Set(['node_modules', '.git', '.grade', 'dist', '.turbo']);

/** A hash of what decides a grading: the submission's files, the suite (its hash), the seed. */
function inputsKey(submission: string, suite: string, seed: number): string {
  const h = createHash('sha256').update(`seed ${seed}\0suite ${suite}\0`);
  return hashTree(h, submission, (n) => SKIP.has(n)).digest('hex');
}

/** The submissions of a batch directory: its subdirectories, by name. */
export function batchSubmissions(dir: string): { name: string; path: string }[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`batch directory not found: ${dir}`);
  const subs = readdirSync(dir)
    .filter((n) => !n.startsWith('.') && lstatSync(join(dir, n)).isDirectory())
    .sort()
    .map((name) => ({ name, path: join(dir, name) }));
  if (!subs.length)
    throw new UsageError(`${dir} has no subdirectories: a batch is one directory per submission`);
  return subs;
}

/**
 * Grade every submission in `dir`, `parallel` at a time, each into its own report folder. A
 * submission that crashes, hangs or cannot be graded ends as its own row; the others go on.
 * Re-running skips submissions whose reports match their current files, suite and seed.
 */
export async function gradeBatch(o: BatchOptions): Promise<BatchEntry[]> {
  // Parallel runs would share the one Redis database REDIS_URL names (provision/registry.ts).
  if (o.services === 'env' && o.parallel > 1)
    throw new UsageError('--services env shares one Redis database between gradings: use --parallel 1');
  const graderDir = o.graderDir ? resolve(o.graderDir) : graderDirFor(o.challenge);
  const subs = batchSubmissions(resolve(o.dir));
  // Read before grading, so a mistyped --against stops the batch before its first grading.
  const earlier = (o.against ?? []).flatMap((d) =>
    batchSubmissions(resolve(d)).map((s) => ({
      ...s,
      name: `${basename(resolve(d))}/${s.name}`,
      earlier: true,
    })),
  );
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const lock = mkdtempSync(join(out, '.load-lock-'));
  const total = subs.length;
  const entries: BatchEntry[] = [];
  let done = 0;
  let running = 0;
  let interrupted: unknown = null;
  const queue: { name: string; path: string; key: string; folder: string }[] = [];
  const suite = suiteHash(graderDir);
  const followUps = readFollowUps(graderDir);

  for (const s of subs) {
    const folder = join(out, s.name);
    const key = inputsKey(s.path, suite, o.seed);
    const stampFile = join(folder, 'batch.json');
    const stamp = existsSync(stampFile) ? (JSON.parse(readFileSync(stampFile, 'utf8')) as BatchStamp) : null;
    if (stamp?.key === key && existsSync(join(folder, 'results.json'))) {
      done++;
      entries.push({ name: s.name, state: 'resumed' });
      o.onEvent?.({ kind: 'resumed', name: s.name, done, total });
    } else {
      queue.push({ ...s, key, folder });
    }
  }

  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next && !interrupted; next = queue.shift()) {
      running++;
      o.onEvent?.({ kind: 'start', name: next.name, done, total, running });
      try {
        const result = await grade({
          challenge: o.challenge,
          submission: next.path,
          graderDir,
          seed: o.seed,
          services: o.services,
          sandbox: o.sandbox,
          unsafe: o.unsafe,
          timeoutOverrides: o.timeoutOverrides,
          loadLock: lock,
        });
        rmSync(next.folder, { recursive: true, force: true });
        writeOutputs(result, next.folder, followUps);
        writeFileSync(
          join(next.folder, 'batch.json'),
          `${JSON.stringify({ key: next.key, seed: o.seed })}\n`,
        );
        running--;
        done++;
        entries.push({ name: next.name, state: 'graded' });
        o.onEvent?.({ kind: 'done', name: next.name, done, total, running, result });
      } catch (e) {
        running--;
        if (e instanceof InterruptedError) {
          interrupted = e;
          return;
        }
        // Not the submission's fault (a usage or machine problem): no stamp, so a re-run retries it.
        done++;
        const message = (e as Error).message;
        mkdirSync(next.folder, { recursive: true });
        writeFileSync(join(next.folder, 'error.txt'), `${message}\n`);
        rmSync(join(next.folder, 'batch.json'), { force: true });
        entries.push({ name: next.name, state: 'failed', message });
        o.onEvent?.({ kind: 'failed', name: next.name, done, total, running, message });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.parallel) }, worker));
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  if (interrupted) {
    writeLeaderboard(out, `${o.challenge}: leaderboard`);
    throw interrupted;
  }
  const starter = o.starter ?? join(REPO_ROOT, 'challenges', o.challenge);
  const similar = await compareSubmissions([...subs, ...earlier], existsSync(starter) ? starter : undefined);
  writeSimilarity(out, similar, `${o.challenge}: similar submissions`);
  o.onEvent?.({
    kind: 'similarity',
    pairs: similar.pairs.length,
    listed: similar.pairs.filter((p) => p.similarity >= similar.threshold).length,
    seconds: similar.seconds,
  });
  writeLeaderboard(out, `${o.challenge}: leaderboard`);
  return entries;
}
