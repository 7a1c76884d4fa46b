/**
 * What this test file knows of the instances: those declared hung (refreshed from the session
 * before each file) and those whose last request got no answer.
 */
export const instanceState = {
  hung: new Set<string>(),
  silent: new Set<string>(),
};
