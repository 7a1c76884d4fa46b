import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from './supervisor/proc.ts';

/**
 * A new dir `root/prefix…` that names this process as its owner (a file `owner` holding its pid):
 * the owner removes it when done, and `removeDeadOwnedDirs` once the owner died before it could.
 */
export function ownedTempDir(root: string, prefix: string): string {
  const dir = mkdtempSync(join(root, prefix));
  writeFileSync(join(dir, 'owner'), String(process.pid));
  return dir;
}

/** Remove the dirs under `root` named with one of `prefixes` whose owner process is gone. */
export function removeDeadOwnedDirs(root: string, prefixes: readonly string[]): void {
  for (const d of readdirSync(root)) {
    if (!prefixes.some((p) => d.startsWith(p))) continue;
    try {
      const owner = Number(readFileSync(join(root, d, 'owner'), 'utf8'));
      if (owner > 0 && !isAlive(owner)) rmSync(join(root, d), { recursive: true, force: true });
    } catch {
      // Not ours, or being made right now (no owner yet): left alone.
    }
  }
}
