import { beforeAll } from 'vitest';
import { control } from './control.ts';
import { instanceState } from './state.ts';

// Loaded by the harness before every hidden test file: each file starts from a known state, so
// what one file did (an instance left dead, Redis left cut) never costs the next one points.
beforeAll(async () => {
  const { instances } = await control.reset();
  instanceState.hung = new Set(instances.filter((i) => i.hung).map((i) => i.id));
  instanceState.silent.clear();
}, 60_000);
