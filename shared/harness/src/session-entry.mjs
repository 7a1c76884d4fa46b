// Entry of the inner grading process, in plain JavaScript. Vitest (with Vite), pg and ioredis load
// here before tsx's hooks exist: under `--import tsx` each of their hundreds of modules paid a round
// trip to the hooks' thread, a CPU-second per session (on two cores, a fifth of a small grading's
// cost). tsx is then registered for the harness's own TypeScript and the grader's.
await Promise.all([import('vitest/node'), import('pg'), import('ioredis')]);
const { register } = await import('tsx/esm/api');
register();
await import('./session-main.ts');
