import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from './errors.ts';
import type { GraderDefinition, Limits, Timeouts } from './types.ts';

/** The monorepo root (where graders/ lives). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const DEFAULT_TIMEOUTS: Timeouts = {
  install: 300_000,
  build: 120_000,
  healthy: 30_000,
  tests: 60_000,
  shutdownGrace: 5_000,
  total: 900_000,
};

export const DEFAULT_LIMITS: Limits = { memoryMb: 512, pids: 256, outputBytes: 4 * 1024 * 1024 };

export function availableChallenges(): string[] {
  const dir = join(REPO_ROOT, 'graders');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => existsSync(join(dir, d, 'grader.config.ts')));
}

/** The grader directory of `challenge`; a usage error listing the known ones otherwise. */
export function graderDirFor(challenge: string): string {
  const dir = join(REPO_ROOT, 'graders', challenge);
  if (!/^[a-z0-9-]+$/.test(challenge) || !existsSync(join(dir, 'grader.config.ts'))) {
    throw new UsageError(
      `unknown challenge "${challenge}" (known: ${availableChallenges().join(', ') || 'none'})`,
    );
  }
  return dir;
}

/** Import and sanity-check `grader.config.ts`. */
export async function loadGrader(graderDir: string): Promise<GraderDefinition> {
  const mod = (await import(pathToFileURL(join(graderDir, 'grader.config.ts')).href)) as {
    default: GraderDefinition;
  };
  const def = mod.default;
  const slugs = new Set<string>();
  for (const item of def.rubric) {
    if (slugs.has(item.slug)) throw new Error(`grader ${def.slug}: duplicate rubric slug ${item.slug}`);
    if (!(item.points > 0)) throw new Error(`grader ${def.slug}: ${item.slug} has no points`);
    slugs.add(item.slug);
  }
  return def;
}

export function timeoutsOf(def: GraderDefinition): Timeouts {
  return { ...DEFAULT_TIMEOUTS, ...def.timeouts };
}

export function limitsOf(def: GraderDefinition): Limits {
  return { ...DEFAULT_LIMITS, ...def.limits };
}
