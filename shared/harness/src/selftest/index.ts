// The self-validation's gradings without Vitest: for `pnpm validate` and scripts.
export * from './gradings.ts';
export * from './layout.ts';
export * from './results.ts';
export * from './scheduler.ts';
export * from './starters.ts';
export * from './validated.ts';
