export { grade, type GradeOptions } from './grade.ts';
export { InfraError, SubmissionError, UsageError } from './errors.ts';
export { availableChallenges, graderDirFor, loadGrader, REPO_ROOT } from './graders.ts';
export { writeOutputs } from './report/formats.ts';
export { FaultProxy, type FaultMode } from './proxy.ts';
export type * from './types.ts';
export { CATEGORIES } from './types.ts';
