import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { RUN_LABEL } from '../src/provision/docker.ts';
import { pidsOfRunsOwnedBy } from '../src/supervisor/proc.ts';

/** The docker CLI, its output as text. */
export const docker = (...args: string[]) => spawnSync('docker', args, { encoding: 'utf8' });

/** Containers or networks that grading runs labelled as theirs. */
export const labelled = (kind: 'ps' | 'network'): string[] =>
  (kind === 'ps'
    ? docker('ps', '-aq', '--filter', `label=${RUN_LABEL}`)
    : docker('network', 'ls', '-q', '--filter', `label=${RUN_LABEL}`)
  ).stdout
    .split('\n')
    .filter(Boolean);

/** After each Docker test: whatever a submission did, no container, network or process of a run outlives it. */
export function expectNothingOfARunLeft(): void {
  expect(labelled('ps')).toEqual([]);
  expect(labelled('network')).toEqual([]);
  expect(pidsOfRunsOwnedBy(process.pid)).toEqual([]);
}
