import { readFileSync, rmSync } from 'node:fs';
import { outcomeOfError, runSession, type SessionRequest, writeSessionOutcome } from './session.ts';

// Entry of the inner grading process (inside the private network namespace when there is one).
// Its outcome, whatever it is, goes to the result file as data; the exit code only says whether
// that file was written (0) or the session was stopped (128 + signal).
const req = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as SessionRequest;
// Once the outer process is gone, its end of our stderr pipe is too, and a write (a phase's line)
// fails with EPIPE: unhandled, that error killed the session halfway through its teardown, leaving
// Postgres and Redis running (test:busy at ca443ec). What it writes there is diagnostics only.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
let cleanup: (() => Promise<void>) | null = null;
let exiting: Promise<void> | null = null;
const bail = async (code: number): Promise<void> => {
  // Every caller waits for the one teardown; exiting early would cut it short.
  exiting ??= (async () => {
    await cleanup?.().catch(() => {});
    if (process.ppid !== parent) rmSync(req.runDir, { recursive: true, force: true });
    process.exit(code);
  })();
  await exiting;
};
process.on('SIGTERM', () => void bail(143));
process.on('SIGINT', () => void bail(130));
// Node has no PDEATHSIG: if the outer process dies, stop rather than leave services running.
const parent = process.ppid;
// Nobody is left to clean up after us then: bail also removes the run dir.
setInterval(() => {
  if (process.ppid !== parent) void bail(1);
}, 500).unref();

try {
  const result = await runSession(req, (fn) => {
    cleanup = fn;
  });
  writeSessionOutcome(req.resultFile, { outcome: 'result', result });
  process.exit(0);
} catch (e) {
  writeSessionOutcome(req.resultFile, outcomeOfError(e));
  await bail(0);
}
