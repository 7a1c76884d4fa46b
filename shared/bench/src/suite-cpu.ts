import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@bc/harness';

/**
 * Where a command's CPU goes, by kind of process: the test suite is bound by its two cores, so its
 * wall clock falls only with the core-seconds its processes spend. The kernel's process
 * accounting (BSD acct, v3) writes one record per process as it exits, with its CPU time; a scan
 * of /proc once a second names the long-lived ones by command line. Processes shorter than 10 ms
 * round to nothing (the records count in hundredths of a second).
 */
export async function suiteCpu(command: string[]): Promise<number> {
  if (spawnSync('sh', ['-c', 'command -v accton']).status !== 0) {
    process.stderr.write('bench suite-cpu: needs accton (apt-get install acct)\n');
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bc-suite-cpu-'));
  const file = join(dir, 'pacct');
  const names = new Map<string, string>();
  const scan = setInterval(() => scanCommandLines(names), 1000);
  writeFileSync(file, ''); // accton appends to a file that exists
  const on = spawnSync('accton', [file], { encoding: 'utf8' });
  if (on.status !== 0) {
    clearInterval(scan);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`accton could not start accounting: ${on.stderr.trim()}`);
  }
  const started = Date.now();
  let code: number;
  try {
    code = await new Promise<number>((res) =>
      spawn(command[0]!, command.slice(1), { cwd: REPO_ROOT, stdio: 'inherit' }).on('exit', (c) =>
        res(c ?? 1),
      ),
    );
  } finally {
    spawnSync('accton', ['off']);
    clearInterval(scan);
  }
  const records = readAccounting(readFileSync(file));
  rmSync(dir, { recursive: true, force: true });
  printTable(records, names, (Date.now() - started) / 1000);
  return code;
}

interface AcctRecord {
  pid: number;
  uid: number;
  comm: string;
  cpuSec: number;
  startSec: number;
}

/** `struct acct_v3` (linux/acct.h): 64 bytes, little-endian here; comp_t times in 1/100 s. */
function readAccounting(buf: Buffer): AcctRecord[] {
  const comp = (x: number): number => (x & 0x1fff) << (3 * (x >> 13));
  const out: AcctRecord[] = [];
  for (let at = 0; at + 64 <= buf.length; at += 64) {
    if (buf.readUInt8(at + 1) !== 3) continue;
    out.push({
      uid: buf.readUInt32LE(at + 8),
      pid: buf.readUInt32LE(at + 16),
      startSec: buf.readUInt32LE(at + 24),
      cpuSec: (comp(buf.readUInt16LE(at + 32)) + comp(buf.readUInt16LE(at + 34))) / 100,
      comm: buf.toString('latin1', at + 48, at + 64).replace(/\0.*$/s, ''),
    });
  }
  return out;
}

/** pid → command line of every process seen so far (a reused pid keeps its first name). */
function scanCommandLines(names: Map<string, string>): void {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || names.has(name)) continue;
    try {
      names.set(name, readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 300));
    } catch {
      // gone meanwhile
    }
  }
}

// One per grading: the table counts gradings by it.
const SESSION = 'grading session (proxies, stubs, hidden suite runner)';

/** The kind of process a record is, for the table: the grading's parts by what they run. */
function kindOf(r: AcctRecord, cmdline: string): string {
  if (r.uid >= 200_000) return `candidate: ${r.comm}`;
  if (['postgres', 'initdb', 'pg_ctl'].includes(r.comm)) return 'Postgres';
  if (r.comm === 'redis-server') return 'Redis';
  if (cmdline.includes('session-entry')) return SESSION;
  if (cmdline.includes('vitest') && cmdline.includes('--conditions'))
    return 'vitest workers (hidden suites, self-tests)';
  if (cmdline.includes('vitest')) return 'vitest main';
  if (cmdline.includes('/tsc') || r.comm === 'tsc') return 'tsc (builds, typecheck)';
  if (cmdline.includes('tsx')) return 'tsx CLIs (grade, validate, pr)';
  if (r.comm === 'java') return 'java (Maven)';
  return r.comm;
}

function printTable(records: AcctRecord[], names: Map<string, string>, wallSec: number): void {
  const rows = new Map<string, { cpu: number; n: number }>();
  for (const r of records) {
    const kind = kindOf(r, names.get(String(r.pid)) ?? '');
    const row = rows.get(kind) ?? { cpu: 0, n: 0 };
    row.cpu += r.cpuSec;
    row.n += 1;
    rows.set(kind, row);
  }
  const total = [...rows.values()].reduce((s, r) => s + r.cpu, 0);
  const sessions = rows.get(SESSION)?.n ?? 0;
  process.stdout.write(
    `\nsuite-cpu: ${total.toFixed(0)} core-s in ${records.length} processes over ${wallSec.toFixed(0)} s of wall clock (${(total / wallSec).toFixed(2)} cores busy on average); ${sessions} gradings\n`,
  );
  for (const [kind, r] of [...rows].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, 25)) {
    if (r.cpu < 0.1) break;
    const share = ((100 * r.cpu) / total).toFixed(0).padStart(3);
    process.stdout.write(
      `${r.cpu.toFixed(1).padStart(8)} core-s ${share} % ${String(r.n).padStart(6)}  ${kind}\n`,
    );
  }
}
