import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A memory + pids cgroup for one candidate process tree. Hard limits the kernel enforces, where the
 * machine lets us create cgroups (v2 unified or v1 memory/pids hierarchies). The polling watchdog in
 * supervise.ts is the fallback elsewhere.
 */
export interface Cgroup {
  version: 1 | 2;
  /** cgroup.procs files a wrapper writes its own pid into before exec'ing the candidate. */
  procsFiles: string[];
  pids(): number[];
  /** True when the kernel killed something for exceeding the memory limit. */
  oomKilled(): boolean;
  /** True when a fork was refused for exceeding the pids limit. */
  pidsLimitHit(): boolean;
  destroy(): void;
}

const ROOT = '/sys/fs/cgroup';

function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

/** A cgroup file's number, or the number on its `key` line (`max 3` in pids.events); 0 when unreadable. */
export function readNum(file: string, key?: string): number {
  try {
    const text = readFileSync(file, 'utf8');
    if (!key) return Number(text.trim()) || 0;
    const line = text.split('\n').find((l) => l.startsWith(`${key} `));
    return Number(line?.split(' ')[1] ?? 0);
  } catch {
    return 0;
  }
}

function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function v2(name: string, memoryBytes: number, pids: number): Cgroup | null {
  const controllers = join(ROOT, 'cgroup.controllers');
  if (!existsSync(controllers)) return null;
  const have = readFileSync(controllers, 'utf8');
  if (!have.includes('memory') || !have.includes('pids')) return null;
  tryWrite(join(ROOT, 'cgroup.subtree_control'), '+memory +pids');
  const dir = join(ROOT, name);
  try {
    mkdirSync(dir);
  } catch {
    return null;
  }
  if (
    !tryWrite(join(dir, 'memory.max'), String(memoryBytes)) ||
    !tryWrite(join(dir, 'pids.max'), String(pids))
  ) {
    rmdirSync(dir);
    return null;
  }
  tryWrite(join(dir, 'memory.swap.max'), '0');
  return {
    version: 2,
    procsFiles: [join(dir, 'cgroup.procs')],
    pids: () => readPids(join(dir, 'cgroup.procs')),
    oomKilled: () => readNum(join(dir, 'memory.events'), 'oom_kill') > 0,
    pidsLimitHit: () => readNum(join(dir, 'pids.events'), 'max') > 0,
    destroy: () => removeWhenEmpty([dir]),
  };
}

function v1(name: string, memoryBytes: number, pids: number): Cgroup | null {
  const mem = join(ROOT, 'memory', name);
  const pid = join(ROOT, 'pids', name);
  if (!existsSync(join(ROOT, 'memory')) || !existsSync(join(ROOT, 'pids'))) return null;
  try {
    mkdirSync(mem);
  } catch {
    return null;
  }
  try {
    mkdirSync(pid);
  } catch {
    rmdirSync(mem);
    return null;
  }
  const ok =
    tryWrite(join(mem, 'memory.limit_in_bytes'), String(memoryBytes)) &&
    tryWrite(join(pid, 'pids.max'), String(pids));
  if (!ok) {
    removeWhenEmpty([mem, pid]);
    return null;
  }
  tryWrite(join(mem, 'memory.memsw.limit_in_bytes'), String(memoryBytes));
  return {
    version: 1,
    procsFiles: [join(mem, 'cgroup.procs'), join(pid, 'cgroup.procs')],
    pids: () => readPids(join(pid, 'cgroup.procs')),
    oomKilled: () => readNum(join(mem, 'memory.oom_control'), 'oom_kill') > 0,
    pidsLimitHit: () => readNum(join(pid, 'pids.events'), 'max') > 0,
    destroy: () => removeWhenEmpty([mem, pid]),
  };
}

function removeWhenEmpty(dirs: string[]): void {
  for (const d of dirs) {
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(d);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') break;
        // EBUSY while the last killed processes are being reaped
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
  }
}

/** Create a cgroup with hard limits, or null when this machine does not let us. */
export function createCgroup(name: string, limits: { memoryBytes: number; pids: number }): Cgroup | null {
  if (process.getuid?.() !== 0 || process.env.GRADE_NO_CGROUPS === '1') return null;
  return v2(name, limits.memoryBytes, limits.pids) ?? v1(name, limits.memoryBytes, limits.pids);
}
