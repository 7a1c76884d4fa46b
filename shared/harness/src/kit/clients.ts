import { execFileSync } from 'node:child_process';
import { grading } from './rubric-test.ts';

/** Addresses already on the run's bridge, in this test worker. */
const added = new Set<string>();

/**
 * An address to send requests from (`localAddress`) as client `n` of `group`: the service sees
 * each as a client of its own, by connecting address. Locally, 127.<10+group>.<seed % 250>.<n+1>
 * (any 127.x.y.z reaches a local service on Linux). With --sandbox docker loopback cannot reach
 * the service's container, so it is 198.18.<group>.<n+1> (a range reserved for benchmarks, never
 * routed), added to the run network's bridge on first use and gone with the network.
 */
export function clientAddress(group: number, n = 0): string {
  if (!Number.isInteger(group) || group < 0 || group > 200 || !Number.isInteger(n) || n < 0 || n > 253) {
    throw new Error(`clientAddress(${group}, ${n}): group must be 0–200 and n 0–253`);
  }
  const { seed, clientBridge } = grading();
  if (!clientBridge) return `127.${10 + group}.${seed % 250}.${n + 1}`;
  const address = `198.18.${group}.${n + 1}`;
  if (!added.has(address)) {
    try {
      execFileSync('ip', ['addr', 'add', `${address}/32`, 'dev', clientBridge], { stdio: 'pipe' });
    } catch (e) {
      // Another test worker of this run got there first.
      if (!String((e as { stderr?: Buffer }).stderr ?? '').includes('File exists')) throw e;
    }
    added.add(address);
  }
  return address;
}
