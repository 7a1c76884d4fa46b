/**
 * What this test file knows of the instances: those declared hung (refreshed from the session
 * before each file), those whose last request got no answer, and those answering only errors.
 */
export const instanceState = {
  hung: new Set<string>(),
  silent: new Set<string>(),
  /** Server errors in a row per instance, and the last GET among them (reported after the file). */
  erroring: new Map<string, { streak: number; get?: string }>(),
};
