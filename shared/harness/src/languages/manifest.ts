import { join } from 'node:path';
import { SubmissionError } from '../errors.ts';
import { jsonObject, readRegular } from '../submission-files.ts';

/** The languages a submission may be written in. */
export const LANGUAGES = ['node', 'python', 'go', 'rust', 'java'] as const;
/** One of LANGUAGES. */
export type Language = (typeof LANGUAGES)[number];

/** The submission's own file that names its challenge and may say how to run it. */
export const MANIFEST_FILE = '.backend-challenge.json';

/** Caps on the time a manifest may ask for, in seconds: a grading still ends in bounded time. */
export const MANIFEST_TIMEOUT_CAPS = { build: 600, start: 120 } as const;

/** What a submission's `.backend-challenge.json` may say, checked field by field. */
export interface SubmissionManifest {
  challenge?: string;
  language?: Language;
  /** `"none"`: nothing is fetched (the per-language install is otherwise always the same). */
  install?: 'none';
  build?: string;
  start?: string;
  /** Extra env for build and start, under the grader's: where both set a name, the grader's wins. */
  env?: Record<string, string>;
  /** Seconds, capped by MANIFEST_TIMEOUT_CAPS. */
  timeouts?: { build?: number; start?: number };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_COMMAND = 1000;

/**
 * The manifest at the submission's root, read as a regular file of at most 64 KB; `{}` when
 * there is none. A bad one is a one-line SubmissionError that never quotes its content.
 */
export function readSubmissionManifest(dir: string): SubmissionManifest {
  const raw = readRegular(join(dir, MANIFEST_FILE), 64 * 1024);
  if (raw === null) return {};
  const bad = (why: string): never => {
    throw new SubmissionError('prepare', `${MANIFEST_FILE} ${why}.`);
  };
  const m = jsonObject(raw, bad);
  const known = new Set(['challenge', 'language', 'install', 'build', 'start', 'env', 'timeouts']);
  const unknown = Object.keys(m).find((k) => !known.has(k));
  if (unknown !== undefined)
    bad(
      `has a field it does not know (${JSON.stringify(unknown.slice(0, 40))}); it may set ${[...known].join(', ')}`,
    );
  const out: SubmissionManifest = {};
  if (m.challenge !== undefined) {
    if (typeof m.challenge !== 'string') bad('has a "challenge" that is not a string');
    out.challenge = m.challenge as string;
  }
  if (m.language !== undefined) {
    if (!(LANGUAGES as readonly unknown[]).includes(m.language))
      bad(`has a "language" that is not one of ${LANGUAGES.join(', ')}`);
    out.language = m.language as Language;
  }
  if (m.install !== undefined) {
    // The install fetches and never runs the candidate's commands (docs/submission-contract.md).
    if (m.install !== 'none')
      bad(
        'has an "install" other than "none": dependencies are fetched the same way for every submission in a language, so no command of yours runs with the network',
      );
    out.install = 'none';
  }
  for (const field of ['build', 'start'] as const) {
    const v = m[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '' || v.length > MAX_COMMAND || v.includes('\0'))
      bad(`has a "${field}" that is not a command (a non-empty string of at most ${MAX_COMMAND} characters)`);
    out[field] = v as string;
  }
  if (m.env !== undefined) {
    const env = m.env;
    if (typeof env !== 'object' || env === null || Array.isArray(env))
      return bad('has an "env" that is not an object');
    const entries = Object.entries(env as Record<string, unknown>);
    if (entries.length > 50) bad('has more than 50 "env" entries');
    for (const [k, v] of entries) {
      if (!ENV_NAME.test(k)) bad('has an "env" name that is not a variable name');
      if (typeof v !== 'string' || v.length > 4096 || v.includes('\0'))
        bad('has an "env" value that is not a string of at most 4096 characters');
    }
    out.env = env as Record<string, string>;
  }
  if (m.timeouts !== undefined) {
    const t = m.timeouts;
    if (typeof t !== 'object' || t === null || Array.isArray(t))
      return bad('has "timeouts" that are not an object');
    const tt = t as Record<string, unknown>;
    out.timeouts = {};
    for (const [k, v] of Object.entries(tt)) {
      if (k !== 'build' && k !== 'start') bad('has "timeouts" other than "build" and "start"');
      const cap = MANIFEST_TIMEOUT_CAPS[k as 'build' | 'start'];
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > cap)
        bad(`has a "timeouts.${k}" that is not a number of seconds from 1 to ${cap}`);
      out.timeouts[k as 'build' | 'start'] = v as number;
    }
  }
  return out;
}
