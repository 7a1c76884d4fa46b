import { describe, expect, test } from 'vitest';
import { ENV_ECHO_NOTE, fixtureNote } from './fixture-grading.ts';

describe('per-instance env', () => {
  test('when a grader gives instances different settings, then each gets its own on top of the shared env, also after a restart, and tests can read it', async () => {
    expect(await fixtureNote('grader-instance-env', 'env-echo', 8)).toEqual(ENV_ECHO_NOTE);
  });
});
