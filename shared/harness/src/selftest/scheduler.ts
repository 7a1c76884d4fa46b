import { cpus } from 'node:os';

/** The share of the machine's CPU time spent busy between two calls. */
export class CpuMeter {
  private last = CpuMeter.read();

  private static read(): { busy: number; total: number } {
    let busy = 0;
    let total = 0;
    for (const { times } of cpus()) {
      const all = times.user + times.nice + times.sys + times.idle + times.irq;
      total += all;
      busy += all - times.idle;
    }
    return { busy, total };
  }

  /** Busy share since the previous call (0 to 1), or null when no time was counted. */
  busyShare(): number | null {
    const now = CpuMeter.read();
    const prev = this.last;
    this.last = now;
    return now.total > prev.total ? (now.busy - prev.busy) / (now.total - prev.total) : null;
  }
}

/** How many gradings a scheduler runs at once. */
export interface SchedulerWidth {
  /** Always allowed. */
  width: number;
  /**
   * Allowed while the machine is idle: gradings that mostly wait (leases, timeouts, token
   * expiries) leave the cores idle at `width`. One more starts when the whole machine has been
   * under 40 % busy for two seconds and none started meanwhile; under load (a CPU hog, other
   * suites) it never does.
   */
  maxWidth?: number;
}

const QUIET_BUSY_SHARE = 0.4;
const QUIET_MS = 2_000;
const SAMPLE_MS = 1_000;

/**
 * Runs gradings with at most `width` at once (up to `maxWidth` while the machine is idle), except
 * `exclusive` ones (load tests), which run alone: a load measurement must not share the machine's
 * two cores with another grading.
 */
export class GradingScheduler {
  private running = 0;
  private exclusive = false;
  /** Gradings waiting for a slot: woken in order of priority, then of arrival. */
  private waiters: { priority: number; seq: number; wake: () => void }[] = [];
  private arrivals = 0;
  private readonly cpu = new CpuMeter();
  private sampler: NodeJS.Timeout | null = null;
  /** Since when the machine has been quiet, or null while it is not. */
  private quietSince: number | null = null;
  private lastStart = 0;
  readonly width: number;
  readonly maxWidth: number;
  /** Why no grading starts any more (see `stop`), or null while they do. */
  private stopped: Error | null = null;
  /** Most gradings that ran at once. */
  peak = 0;
  /** Wall time of every grading run, and what `detail` said of its result, for the closing table. */
  readonly timings: { label: string; exclusive: boolean; ms: number; detail: string }[] = [];

  constructor(w: SchedulerWidth = { width: 2 }) {
    this.width = w.width;
    this.maxWidth = Math.max(w.width, w.maxWidth ?? w.width);
  }

  private canStart(exclusive: boolean): boolean {
    if (exclusive) return this.running === 0;
    if (this.exclusive) return false;
    if (this.running < this.width) return true;
    const now = Date.now();
    return (
      this.running < this.maxWidth &&
      this.quietSince !== null &&
      now - this.quietSince >= QUIET_MS &&
      now - this.lastStart >= QUIET_MS
    );
  }

  /** While gradings wait beyond `width`, sample the machine: a quiet spell lets one more start. */
  private sample(): void {
    if (this.sampler || this.maxWidth === this.width) return;
    this.cpu.busyShare();
    this.sampler = setInterval(() => {
      const busy = this.cpu.busyShare();
      if (busy === null || busy >= QUIET_BUSY_SHARE) this.quietSince = null;
      else this.quietSince ??= Date.now() - SAMPLE_MS;
      if (this.waiters.length === 0) {
        clearInterval(this.sampler!);
        this.sampler = null;
        this.quietSince = null;
        return;
      }
      this.wake();
    }, SAMPLE_MS);
    this.sampler.unref();
  }

  private wake(): void {
    // Each woken grading checks for a slot in the order it is woken: the first takes it.
    const woken = this.waiters.splice(0).sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    for (const w of woken) w.wake();
  }

  /**
   * Start no grading from now on: those waiting for a slot, and any asked for later, reject with
   * `reason` without running (those running end as they will). So a stopped validation's queued
   * gradings settle at once, and whatever each was given (a mutant's copy) is removed by its owner.
   */
  stop(reason: Error): void {
    this.stopped ??= reason;
    this.wake();
  }

  /**
   * Run `fn` when a slot is free: gradings waiting for one start in order of `priority` (lower
   * first), then of arrival. `detail` describes its result in its row of `timings`.
   */
  async run<T>(
    exclusive: boolean,
    fn: () => Promise<T>,
    label = '',
    priority = 0,
    detail?: (r: T) => string,
  ): Promise<T> {
    const seq = this.arrivals++;
    for (;;) {
      if (this.stopped) throw this.stopped;
      if (this.canStart(exclusive)) break;
      if (!exclusive) this.sample();
      await new Promise<void>((wake) => this.waiters.push({ priority, seq, wake }));
    }
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    this.lastStart = Date.now();
    // A start is the busiest moment of a grading: the quiet spell starts again after it.
    this.quietSince = null;
    if (exclusive) this.exclusive = true;
    const t0 = Date.now();
    let said = '';
    try {
      const r = await fn();
      said = detail?.(r) ?? '';
      return r;
    } finally {
      this.timings.push({ label, exclusive, ms: Date.now() - t0, detail: said });
      this.running--;
      if (exclusive) this.exclusive = false;
      this.wake();
    }
  }
}
