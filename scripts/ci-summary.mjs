// Adds up the Vitest JSON reports of every package into one closing line for CI logs, after the
// wall time of each package's tests and of all of them (packages run side by side: the harness's
// beside the graders'). The budget is on the wall time CI waits: 12 minutes for the first five
// challenges, 20 at eight with two more languages.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
const times = [];
let first = Number.POSITIVE_INFINITY;
let last = 0;
for (const group of ['shared', 'graders', 'challenges']) {
  if (!existsSync(group)) continue;
  for (const entry of readdirSync(group, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const pkg = entry.name;
    // A package may write more than one report: the harness's late files run apart (scripts/test.sh).
    const reports = readdirSync(join(group, pkg)).filter((f) => /^\.vitest-results(\..+)?\.json$/.test(f));
    if (reports.length === 0) continue;
    let start = Number.POSITIVE_INFINITY;
    let end = 0;
    for (const report of reports) {
      const r = JSON.parse(readFileSync(join(group, pkg, report), 'utf8'));
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      skipped += r.numPendingTests + r.numTodoTests;
      start = Math.min(start, r.startTime);
      end = Math.max(end, r.startTime, ...r.testResults.map((t) => t.endTime ?? 0));
    }
    times.push([`${group}/${pkg}`, (end - start) / 1000]);
    first = Math.min(first, start);
    last = Math.max(last, end);
  }
}
const total = times.reduce((s, [, t]) => s + t, 0);
for (const [pkg, t] of times) console.log(`time: ${pkg.padEnd(28)} ${t.toFixed(0).padStart(5)} s`);
console.log(`time: ${'packages, added up'.padEnd(28)} ${total.toFixed(0).padStart(5)} s`);
const wall = times.length ? (last - first) / 1000 : 0;
const challenges = times.filter(([pkg]) => pkg.startsWith('graders/')).length;
console.log(
  `time: ${'all tests, wall clock'.padEnd(28)} ${wall.toFixed(0).padStart(5)} s (${challenges} challenges; budget 720 s at five, 1200 s at eight)`,
);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
