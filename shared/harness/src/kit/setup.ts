import { afterAll, beforeAll } from 'vitest';
import { control } from './control.ts';
import { instanceState } from './state.ts';

/** Server errors in a row after which an instance is checked before the next file. */
const ERROR_STREAK = 3;

// Loaded by the harness before every hidden test file: each file starts from a known state, so
// what one file did (an instance left dead, Redis left cut) never costs the next one points.
beforeAll(async () => {
  const { instances } = await control.reset();
  instanceState.hung = new Set(instances.filter((i) => i.hung).map((i) => i.id));
  instanceState.silent.clear();
  instanceState.erroring.clear();
}, 60_000);

// An instance whose last answers in this file were all server errors may be stuck (a pool that
// never reconnects): the session checks it before the next file and restarts it if it still is,
// so one bug costs the category of the file that found it, not every later one.
afterAll(async () => {
  const erroring = [...instanceState.erroring].filter(([, e]) => e.streak >= ERROR_STREAK);
  if (erroring.length)
    await control.noteErroring(Object.fromEntries(erroring.map(([id, e]) => [id, e.get ?? null])));
  instanceState.erroring.clear();
}, 30_000);
