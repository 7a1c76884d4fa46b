import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from './errors.ts';

export { sleep };

/** A free TCP port on 127.0.0.1 (of the current network namespace). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Poll `probe` until it returns true or `timeoutMs` passes; `abort` ends the wait early with false. */
export async function waitFor(
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; abort?: () => boolean },
): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    if (opts.abort?.()) return false;
    try {
      if (await probe()) return true;
    } catch {
      // not ready yet
    }
    await sleep(opts.intervalMs ?? 50);
  }
  return false;
}

/** Keeps the last `max` bytes of a stream of text, counting everything that went through. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  total = 0;
  constructor(private readonly max = 64 * 1024) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.max && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  /** The last `lines` lines of what was kept, each cut to 300 characters. */
  tail(lines = 30): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    const all = text.split('\n');
    if (all.at(-1) === '') all.pop();
    return all
      .slice(-lines)
      .map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l))
      .join('\n');
  }
}

/** Deterministic PRNG (mulberry32) so a seed reproduces a run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Stable 32-bit hash of a string, to derive per-test seeds from the run seed. */
export function hash32(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Rows as an aligned text table (benchmarks and validation print these). */
export function table(header: string[], rows: (string | number)[][]): string {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  return all.map((r) => r.map((c, i) => String(c).padStart(widths[i]!)).join('  ')).join('\n');
}

/** The parsed JSON of a body, or undefined when it is empty or not JSON. */
export function jsonOrUndefined(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Node's headers with repeated ones joined, as one string each. */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
  return out;
}

/**
 * A directory only this user controls, created if absent with `mode` (0700, or 0711 where other
 * uids must traverse it to a mount): refused with an error when it is a symlink, belongs to another
 * user, or others may write to it, since whoever made it first would control what is kept there.
 */
export function privateDir(path: string, mode = 0o700): string {
  mkdirSync(path, { recursive: true, mode });
  const st = lstatSync(path);
  const uid = process.getuid?.() ?? st.uid;
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
    throw new InfraError(
      `${path} is not a private directory of uid ${uid} (a symlink, another owner, or writable by others): remove it or choose another path`,
    );
  }
  // Ours: the mode is what we say (an existing dir may have been made with another).
  chmodSync(path, mode);
  return path;
}
