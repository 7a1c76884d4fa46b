export { InfraError, InterruptedError, SubmissionError, UsageError } from './errors.ts';
export { type GradeOptions, grade } from './grade.ts';
export { availableChallenges, graderDirFor, loadGrader, REPO_ROOT } from './graders.ts';
export { type FaultMode, FaultProxy } from './proxy.ts';
export { writeOutputs } from './report/formats.ts';
export type * from './types.ts';
export { CATEGORIES } from './types.ts';
