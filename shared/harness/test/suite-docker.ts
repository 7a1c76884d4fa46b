import { setPriority } from 'node:os';

/**
 * In the suite (scripts/test.sh), a test file grading in Docker joins the graders' load lock, and
 * runs at normal priority: its gradings are heavy (images, containers, a measured reference) and
 * timed like any grading, while the rest of the harness's tests run at nice 19 to fill the cores'
 * idle time. Starved at nice 19 beside a CPU hog, a hostile memory hog never grew before its
 * health check gave up, and 1,000 concurrent creates in Docker missed their bound.
 */
export function gradeInDockerAsTheSuiteDoes(): void {
  if (!process.env.BC_SUITE_LOAD_LOCK) return;
  process.env.GRADE_LOAD_LOCK = process.env.BC_SUITE_LOAD_LOCK;
  try {
    // This process's gradings, and the sessions and clients they start, inherit it.
    setPriority(0);
  } catch {
    // not root: stays at the suite's priority
  }
}
