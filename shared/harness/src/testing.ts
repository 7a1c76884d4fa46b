// What a grader's self-test imports: the Vitest registrations and everything they are built on.
export * from './mutants.ts';
export * from './selftest/golden.ts';
export * from './selftest/index.ts';
export * from './selftest/validate-grader.ts';
export * from './selftest/visible.ts';
