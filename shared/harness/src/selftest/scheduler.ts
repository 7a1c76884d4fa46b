/**
 * Runs gradings with at most `width` at once, except `exclusive` ones (load tests), which run
 * alone: a load measurement must not share the machine's two cores with another grading.
 */
export class GradingScheduler {
  private running = 0;
  private exclusive = false;
  private waiters: (() => void)[] = [];
  /** Wall time of every grading run, for the self-test's closing table. */
  readonly timings: { label: string; exclusive: boolean; ms: number }[] = [];

  constructor(readonly width = 2) {}

  private canStart(exclusive: boolean): boolean {
    return exclusive ? this.running === 0 : !this.exclusive && this.running < this.width;
  }

  async run<T>(exclusive: boolean, fn: () => Promise<T>, label = ''): Promise<T> {
    while (!this.canStart(exclusive)) await new Promise<void>((r) => this.waiters.push(r));
    this.running++;
    if (exclusive) this.exclusive = true;
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      this.timings.push({ label, exclusive, ms: Date.now() - t0 });
      this.running--;
      if (exclusive) this.exclusive = false;
      for (const w of this.waiters.splice(0)) w();
    }
  }
}
