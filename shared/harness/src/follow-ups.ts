import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Band, GradeResult } from './types.ts';

/** A grader's interview questions (its `follow-ups.md`): per rubric item lost, and per band. */
export interface FollowUps {
  /** Item slug → what to ask when it lost points. */
  items: Map<string, string[]>;
  /** Band → what to ask a submission in it, towards the next level. */
  bands: Map<Exclude<Band, 'unrated'>, string[]>;
}

/** The file beside `rubric.ts`: for reviewers only, never part of what grades or is graded. */
export const FOLLOW_UPS_FILE = 'follow-ups.md';
const BANDS = ['none', 'junior', 'mid', 'senior'] as const;

/**
 * Parses `follow-ups.md`: `## <slug>` or `## band <band>` headings, each followed by `- ` bullets
 * (a bullet continues on lines indented by two spaces). Anything else is prose for the author.
 */
export function parseFollowUps(text: string): FollowUps {
  const out: FollowUps = { items: new Map(), bands: new Map() };
  let current: string[] | null = null;
  for (const line of text.split('\n')) {
    const heading = /^## (.+?)\s*$/.exec(line);
    if (heading) {
      current = [];
      const name = heading[1]!;
      const band = /^band (\w+)$/.exec(name);
      if (band) {
        if (!(BANDS as readonly string[]).includes(band[1]!))
          throw new Error(`${FOLLOW_UPS_FILE}: no band "${band[1]}"`);
        out.bands.set(band[1] as (typeof BANDS)[number], current);
      } else {
        if (out.items.has(name)) throw new Error(`${FOLLOW_UPS_FILE}: "${name}" twice`);
        out.items.set(name, current);
      }
      continue;
    }
    if (!current) continue;
    if (line.startsWith('- ')) current.push(line.slice(2).trim());
    else if (/^ {2}\S/.test(line) && current.length) current[current.length - 1] += ` ${line.trim()}`;
  }
  return out;
}

/** The grader's follow-ups, or null when it has none. */
export function readFollowUps(graderDir: string): FollowUps | null {
  const file = join(graderDir, FOLLOW_UPS_FILE);
  return existsSync(file) ? parseFollowUps(readFileSync(file, 'utf8')) : null;
}

/**
 * What is wrong with a grader's follow-ups against its rubric: an item or band without questions,
 * or a heading that names no item. Empty when they match.
 */
export function followUpProblems(f: FollowUps, slugs: readonly string[]): string[] {
  const problems: string[] = [];
  for (const s of slugs) if (!f.items.get(s)?.length) problems.push(`no follow-up questions for item "${s}"`);
  for (const s of f.items.keys())
    if (!slugs.includes(s)) problems.push(`follow-ups for "${s}", which no rubric item is`);
  for (const b of BANDS) if (!f.bands.get(b)?.length) problems.push(`no follow-up questions for band "${b}"`);
  return problems;
}

/** One question for the interview, and why it was chosen. */
export interface PickedQuestion {
  question: string;
  /** The item it follows up (lost points), or the band it probes beyond. */
  from: { item: string; title: string; lost: number } | { band: Band };
}

/** At most this many questions: an interview has time for a few, well chosen. */
export const MAX_QUESTIONS = 5;

/**
 * The questions for this result: first one per lost item, most points lost first (then a second
 * per item, and so on), then the band's, up to `MAX_QUESTIONS`.
 */
export function pickQuestions(r: GradeResult, f: FollowUps): PickedQuestion[] {
  const lost = r.tests
    .filter((t) => t.score < t.max_score)
    .map((t) => ({ t, lost: t.max_score - t.score, qs: f.items.get(t.id) ?? [] }))
    .sort((a, b) => b.lost - a.lost || a.t.id.localeCompare(b.t.id));
  const picked: PickedQuestion[] = [];
  for (let round = 0; picked.length < MAX_QUESTIONS; round++) {
    const more = lost.filter((l) => l.qs[round]);
    if (!more.length) break;
    for (const l of more) {
      if (picked.length >= MAX_QUESTIONS) break;
      picked.push({ question: l.qs[round]!, from: { item: l.t.id, title: l.t.name, lost: l.lost } });
    }
  }
  const band = r.band === 'unrated' ? null : r.band;
  for (const q of band ? (f.bands.get(band) ?? []) : []) {
    if (picked.length >= MAX_QUESTIONS) break;
    picked.push({ question: q, from: { band: r.band } });
  }
  return picked;
}
