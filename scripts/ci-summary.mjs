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
// CI shows only the log's tail, so the failures are named again here, after the long run.
const failures = [];
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
      for (const file of r.testResults) {
        const where = `${group}/${pkg}/${file.name.split(`/${group}/${pkg}/`).pop()}`;
        const tests = file.assertionResults.filter((t) => t.status === 'failed');
        for (const t of tests) failures.push([`${where} > ${t.fullName}`, t.failureMessages.join('\n')]);
        // A file that fails outside any test (an import, a hook) has no failed test to name.
        if (tests.length === 0 && file.status === 'failed') failures.push([where, file.message ?? '']);
      }
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
for (const [name, message] of failures) {
  console.log(`failed: ${name}`);
  // Each failure's first lines: what was sent, expected and got, without the stack.
  const lines = message.split('\n').filter((l) => l.trim() !== '' && !/^\s+at /.test(l));
  for (const line of lines.slice(0, 6)) console.log(`  ${line.slice(0, 300)}`);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
