import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SubmissionError, UsageError } from '../errors.ts';
import { MANIFEST_FILE, readSubmissionManifest } from '../languages/manifest.ts';
import { filesUnder } from '../provenance.ts';
import { isRegularFile, readRegular } from '../submission-files.ts';

/** The file a take-home export writes at its root: which challenge the repository is (and its run plan). */
export const CHALLENGE_FILE = MANIFEST_FILE;

/** What a pull request submits: a challenge and the directory holding its submission. */
export interface PickedSubmission {
  challenge: string;
  /** Absolute path inside the head checkout. */
  dir: string;
  /** The same, relative to the head checkout ('.' for a whole take-home repository). */
  path: string;
}

function fileHashes(dir: string): Map<string, string> {
  if (!existsSync(dir)) return new Map();
  const sha = (f: string) =>
    createHash('sha256')
      .update(readFileSync(join(dir, f)))
      .digest('hex');
  return new Map(filesUnder(dir, (n) => n === 'node_modules' || n === '.git').map((f) => [f, sha(f)]));
}

const differs = (a: Map<string, string>, b: Map<string, string>): boolean =>
  a.size !== b.size || [...a].some(([k, v]) => b.get(k) !== v);

/**
 * The submission a pull request brings. A take-home repository names its challenge in
 * `.backend-challenge.json` and is graded whole; in this repository, a pull request adds or
 * changes exactly one `submissions/<challenge>/<name>/`. The challenge must have a grader in the
 * trusted base checkout: the head never supplies one.
 */
export function pickSubmission(base: string, head: string): PickedSubmission {
  const known = (c: string): boolean =>
    /^[a-z0-9-]+$/.test(c) && existsSync(join(base, 'graders', c, 'grader.config.ts'));
  const marker = join(head, CHALLENGE_FILE);
  if (existsSync(marker) || isRegularFile(marker)) {
    // Read as a grading reads it (one parser, one set of fields), but a link or an oversized
    // file, which a grading passes over, is an error here: it would leave the challenge unnamed.
    if (readRegular(marker, 64 * 1024) === null)
      throw new UsageError(`${CHALLENGE_FILE} is not a small JSON file (a link, or over 64 KB)`);
    let challenge: string | undefined;
    try {
      ({ challenge } = readSubmissionManifest(head));
    } catch (e) {
      if (e instanceof SubmissionError) throw new UsageError(e.message);
      throw e;
    }
    if (typeof challenge !== 'string' || !known(challenge)) {
      throw new UsageError(
        `${CHALLENGE_FILE} names ${JSON.stringify(String(challenge).slice(0, 80))}, which the base checkout has no grader for`,
      );
    }
    return { challenge, dir: head, path: '.' };
  }
  const changed: PickedSubmission[] = [];
  const root = join(head, 'submissions');
  for (const challenge of existsSync(root) ? readdirSync(root).sort() : []) {
    if (!lstatSync(join(root, challenge)).isDirectory()) continue;
    for (const name of readdirSync(join(root, challenge)).sort()) {
      // Names reach the comment and the job summary: only plain ones are submissions.
      if (!/^[A-Za-z0-9._-]+$/.test(name)) continue;
      const path = join('submissions', challenge, name);
      // A link is no submission directory: it could lead anywhere on the runner.
      if (!lstatSync(join(head, path)).isDirectory()) continue;
      if (differs(fileHashes(join(head, path)), fileHashes(join(base, path)))) {
        changed.push({ challenge, dir: join(head, path), path });
      }
    }
  }
  if (changed.length === 0) {
    throw new UsageError(
      `nothing to grade: the head has no ${CHALLENGE_FILE} and changes no submissions/<challenge>/<name>/`,
    );
  }
  if (changed.length > 1) {
    throw new UsageError(
      `a pull request grades one submission; this one changes ${changed.length}: ${changed.map((c) => c.path).join(', ')}`,
    );
  }
  const [one] = changed as [PickedSubmission];
  if (!known(one.challenge)) {
    throw new UsageError(`${one.path}: the base checkout has no grader for "${one.challenge}"`);
  }
  if (!isRegularFile(join(one.dir, 'package.json'))) {
    throw new UsageError(`${one.path} has no package.json: a submission is a directory with a package.json`);
  }
  return one;
}
