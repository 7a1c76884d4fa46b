import { existsSync, linkSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './supervisor/proc.ts';

/**
 * A lock shared by the gradings of a batch, across processes, so they run side by side except
 * while one of them measures load: a load test alone on the machine measures the submission, not
 * its neighbours. Each grading session holds it shared (`r-<owner>`); a load measurement holds it
 * exclusively (`writer`), waiting for the other sessions to finish or to wait for it themselves
 * (a session waiting to measure parks its shared claim as `p-<owner>`, so two never deadlock).
 * New sessions wait while a measurement holds or waits for it. Files name their holder's pid: a
 * holder that died is ignored.
 */
const POLL_MS = 100;

function dropIfDead(dir: string, name: string): boolean {
  const path = join(dir, name);
  try {
    const pid = Number(readFileSync(path, 'utf8'));
    if (pid > 0 && isAlive(pid)) return false;
  } catch {
    return true;
  }
  rmSync(path, { force: true });
  return true;
}

/** A file that appears whole, never empty: readers judge a holder by the pid inside. */
function tempWithPid(dir: string): string {
  const tmp = join(dir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(tmp, String(process.pid));
  return tmp;
}

const writerHeld = (dir: string): boolean => existsSync(join(dir, 'writer')) && !dropIfDead(dir, 'writer');

/** Take the lock shared for session `owner`: waits while a load measurement holds or wants it. */
export async function acquireShared(dir: string, owner: string): Promise<void> {
  const mine = join(dir, `r-${owner}`);
  for (;;) {
    if (!writerHeld(dir)) {
      renameSync(tempWithPid(dir), mine);
      if (!writerHeld(dir)) return;
      rmSync(mine, { force: true });
    }
    await sleep(POLL_MS);
  }
}

/** Give up session `owner`'s shared claim. */
export function releaseShared(dir: string, owner: string): void {
  rmSync(join(dir, `r-${owner}`), { force: true });
  rmSync(join(dir, `p-${owner}`), { force: true });
}

/** Run `fn` with the lock held exclusively, on behalf of session `owner` (whose claim is parked). */
export async function withExclusive<T>(dir: string, owner: string, fn: () => Promise<T>): Promise<T> {
  const active = join(dir, `r-${owner}`);
  const parked = join(dir, `p-${owner}`);
  const hadClaim = existsSync(active);
  if (hadClaim) renameSync(active, parked);
  try {
    for (;;) {
      const tmp = tempWithPid(dir);
      try {
        // link() fails if `writer` exists: an exclusive create of a file already holding the pid.
        linkSync(tmp, join(dir, 'writer'));
        break;
      } catch {
        if (!writerHeld(dir)) continue;
        await sleep(POLL_MS);
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    try {
      const others = () => readdirSync(dir).filter((n) => n.startsWith('r-') && !dropIfDead(dir, n));
      while (others().length > 0) await sleep(POLL_MS);
      return await fn();
    } finally {
      rmSync(join(dir, 'writer'), { force: true });
    }
  } finally {
    if (hadClaim && existsSync(parked)) renameSync(parked, active);
  }
}
