/** The machine lacks something grading needs; the message says what to install or set. Exit code 1. */
export class InfraError extends Error {
  override name = 'InfraError';
}

/** The command line is wrong (unknown challenge, missing dir…). Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * The submission could not be graded (install, build or start failed). Not our fault: it becomes a
 * result with status "error", a reason and the candidate's last output.
 */
export class SubmissionError extends Error {
  override name = 'SubmissionError';
  constructor(
    readonly phase: 'install' | 'build' | 'start',
    message: string,
    readonly outputTail = '',
  ) {
    super(message);
  }
}

/** Grading was stopped by a signal (Ctrl-C); everything it started has been cleaned up. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}
