import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { SubmissionError } from './errors.ts';

// Everything here reads files a candidate shaped, as the harness user, outside the sandbox: no
// symlink is ever followed, no size or type is trusted, and no content is quoted back.

/** A submission larger than this is refused before it is copied. */
export const MAX_SUBMISSION = { files: 20_000, bytes: 200 * 1024 * 1024 };
/**
 * Names the harness never copies: rebuilt or its own (`.deps` is where fetched dependencies are
 * mounted, `.cache` where a Go build cache is warmed).
 */
export const NOT_COPIED = new Set(['node_modules', '.git', '.grade', '.turbo', '.deps', '.cache']);

const inside = (root: string, p: string): boolean => {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** A path for a verdict: relative to the submission, printable, short. */
const shown = (root: string, p: string): string => JSON.stringify(relative(root, p).slice(0, 200));

/**
 * Check a submission before it is copied: every symlink stays inside it (judged by its text, never
 * followed), no special files, and it is not larger than MAX_SUBMISSION. Throws a one-line
 * SubmissionError otherwise.
 */
export function checkSubmissionTree(root: string): void {
  let files = 0;
  let bytes = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (NOT_COPIED.has(name)) continue;
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) {
        const target = readlinkSync(p);
        if (!inside(root, resolve(dirname(p), target))) {
          throw new SubmissionError(
            'prepare',
            `The submission's symlink ${shown(root, p)} points outside the submission; links that leave it are refused.`,
          );
        }
      } else if (st.isDirectory()) {
        walk(p);
      } else if (!st.isFile()) {
        throw new SubmissionError(
          'prepare',
          `The submission contains ${shown(root, p)}, which is neither a file, a directory nor a symlink.`,
        );
      }
      files++;
      bytes += st.isFile() ? st.size : 0;
      if (files > MAX_SUBMISSION.files || bytes > MAX_SUBMISSION.bytes) {
        throw new SubmissionError(
          'prepare',
          `The submission is larger than ${MAX_SUBMISSION.files} files or ${MAX_SUBMISSION.bytes / 1024 / 1024} MB (without node_modules and .git).`,
        );
      }
    }
  };
  walk(root);
}

/**
 * The content of a regular file, never through a symlink (O_NOFOLLOW, and no link in the last
 * component), at most `max` bytes; null when it is absent, a link, not a regular file or too large.
 */
export function readRegular(path: string, max: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return null;
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Is `path` a regular file (not a link to one)? */
export function isRegularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** A candidate's JSON file as an object; otherwise `bad` throws, quoting nothing of it. */
export function jsonObject(raw: Buffer, bad: (why: string) => never): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return bad('is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('is not a JSON object');
  return json as Record<string, unknown>;
}

/** The minimal package.json fields the harness reads, checked for type. */
export interface PackageJson {
  name?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const stringMap = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === 'string');

/**
 * A submission's package.json, read as a regular file of at most 1 MB and checked field by field.
 * A bad one is a one-line SubmissionError that never quotes its content.
 */
export function readManifest(dir: string): PackageJson {
  const raw = readRegular(join(dir, 'package.json'), 1024 * 1024);
  const bad = (why: string): never => {
    throw new SubmissionError('prepare', `package.json ${why}.`);
  };
  if (!raw) return bad('is missing, a symlink, not a regular file, or larger than 1 MB');
  const pkg = jsonObject(raw, bad);
  for (const field of ['scripts', 'dependencies', 'devDependencies'] as const) {
    if (pkg[field] !== undefined && !stringMap(pkg[field]))
      bad(`has a "${field}" that is not an object of strings`);
  }
  return {
    ...(typeof pkg.name === 'string' ? { name: pkg.name } : {}),
    ...(pkg.scripts ? { scripts: pkg.scripts as Record<string, string> } : {}),
    ...(pkg.dependencies ? { dependencies: pkg.dependencies as Record<string, string> } : {}),
    ...(pkg.devDependencies ? { devDependencies: pkg.devDependencies as Record<string, string> } : {}),
  };
}
