import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { RUN_LABEL, runOwner } from '../src/provision/docker.ts';
import { isAlive, pidsOfRunsOwnedBy, processTree } from '../src/supervisor/proc.ts';

/** The docker CLI, its output as text. */
export const docker = (...args: string[]) => spawnSync('docker', args, { encoding: 'utf8' });

/**
 * Containers or networks that this test file's gradings labelled as theirs: run by this process or
 * a CLI it started, or by a run whose owner is gone (a leftover). Another test file's gradings,
 * running beside this one with a live owner of their own, are not this file's to count.
 */
export const labelled = (kind: 'ps' | 'network', ...filters: string[]): string[] => {
  const format = `{{.ID}} {{.Label "${RUN_LABEL}"}}`;
  const listing =
    kind === 'ps'
      ? docker('ps', '-a', '--filter', `label=${RUN_LABEL}`, ...filters, '--format', format)
      : docker('network', 'ls', '--filter', `label=${RUN_LABEL}`, ...filters, '--format', format);
  const mine = new Set(processTree(process.pid).map((p) => p.pid));
  mine.add(process.pid);
  return listing.stdout
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter(([id, run]) => {
      if (!id) return false;
      const owner = runOwner(run);
      return owner === 0 || mine.has(owner) || !isAlive(owner);
    })
    .map(([id]) => id!);
};

/** After each Docker test: whatever a submission did, no container, network or process of a run outlives it. */
export function expectNothingOfARunLeft(): void {
  expect(labelled('ps')).toEqual([]);
  expect(labelled('network')).toEqual([]);
  expect(pidsOfRunsOwnedBy(process.pid)).toEqual([]);
}
