// Adds up the Vitest JSON reports of every package into one closing line for CI logs, after the
// wall time of each package's tests (the suite's budget is 20 minutes in all).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
const times = [];
for (const group of ['shared', 'graders', 'challenges']) {
  if (!existsSync(group)) continue;
  for (const pkg of readdirSync(group)) {
    const file = join(group, pkg, '.vitest-results.json');
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
    const end = Math.max(r.startTime, ...r.testResults.map((t) => t.endTime ?? 0));
    times.push([`${group}/${pkg}`, (end - r.startTime) / 1000]);
  }
}
const total = times.reduce((s, [, t]) => s + t, 0);
for (const [pkg, t] of times) console.log(`time: ${pkg.padEnd(28)} ${t.toFixed(0).padStart(5)} s`);
console.log(`time: ${'all test packages'.padEnd(28)} ${total.toFixed(0).padStart(5)} s (budget 1200 s)`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
