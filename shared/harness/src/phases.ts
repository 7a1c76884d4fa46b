import type { PhaseTiming } from './types.ts';

/** One timer for a whole grading run: every phase is timed through it, once. */
export class PhaseTimer {
  readonly phases: PhaseTiming[] = [];

  /** `onRecord` hears of each phase as it ends. */
  constructor(private readonly onRecord?: (p: PhaseTiming) => void) {}

  async run<T>(name: PhaseTiming['name'], fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      this.record(name, Date.now() - t0);
    }
  }

  record(name: PhaseTiming['name'], ms: number): void {
    this.phases.push({ name, ms });
    this.onRecord?.({ name, ms });
  }
}

/** One logger for a run: the live view on stderr, silent with --quiet. */
export interface Logger {
  say(line: string): void;
}

export const stderrLogger = (live: boolean): Logger => ({
  say: (line) => {
    if (live) process.stderr.write(`${line}\n`);
  },
});
