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
    readonly phase: 'prepare' | 'install' | 'build' | 'start',
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

/**
 * The exit code of a CLI that ended with `e`, after one line on stderr naming `command`: 0 for
 * help, 2 for usage, 130/143 for a signal, 1 for the machine or anything else (`other` words it).
 */
export function cliExitCode(command: string, e: unknown, other = 'internal error: '): number {
  const err = e as Error & { code?: string };
  if (err.code?.startsWith('commander.')) {
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
  }
  if (e instanceof InterruptedError) {
    process.stderr.write(`${command}: ${err.message}; everything it started was stopped\n`);
    return e.signal === 'SIGINT' ? 130 : 143;
  }
  if (e instanceof UsageError) {
    process.stderr.write(`${command}: ${err.message}\n`);
    return 2;
  }
  if (e instanceof InfraError) {
    process.stderr.write(`${command}: cannot grade on this machine: ${err.message}\n`);
    return 1;
  }
  process.stderr.write(`${command}: ${other}${err.message}\n`);
  return 1;
}
