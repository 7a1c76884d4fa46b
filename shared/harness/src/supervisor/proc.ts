import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One row of the process table, read from /proc. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  /** The state letter of /proc/<pid>/stat: R, S, D, Z (exited, not yet reaped)… */
  state: string;
  rssBytes: number;
  /** Tasks, as RLIMIT_NPROC and the pids cgroup count them. */
  threads: number;
}

const PAGE = 4096;

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields after the last ')' are positional.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const rest = stat.slice(close + 2).split(' ');
    const ppid = Number(rest[1]);
    const rssPages = Number(rest[21]);
    return {
      pid,
      ppid,
      comm,
      state: rest[0] ?? '',
      rssBytes: rssPages * PAGE,
      threads: Number(rest[17]) || 1,
    };
  } catch {
    return null;
  }
}

/**
 * Whether `pid` has exited, though perhaps not yet reaped: a zombie, or gone. A child that died
 * while this process's event loop was busy is a zombie until Node reaps it and says so.
 */
export function hasExited(pid: number): boolean {
  const p = readProc(pid);
  return p === null || p.state === 'Z';
}

/** Every live process. */
export function processTable(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const p = readProc(pid);
    if (p) out.push(p);
  }
  return out;
}

/** `root` and all its descendants (orphans re-parented inside a pid namespace stay descendants). */
export function processTree(root: number, table = processTable()): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  let rootInfo: ProcInfo | undefined;
  for (const p of table) {
    if (p.pid === root) rootInfo = p;
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  if (!rootInfo) return [];
  const out: ProcInfo[] = [];
  const stack = [rootInfo];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** `/proc/<pid>/<file>` of every process but this one, where it can be read. */
function* procFiles(file: 'environ' | 'cmdline'): Generator<[number, Buffer]> {
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      yield [pid, readFileSync(`/proc/${pid}/${file}`)];
    } catch {
      // gone, or not ours to read
    }
  }
}

const pidsWhose = (file: 'environ' | 'cmdline', needle: string): number[] =>
  [...procFiles(file)].filter(([, text]) => text.includes(needle)).map(([pid]) => pid);

/** Pids whose initial environment carries `marker` (our last-resort sweep for escaped processes). */
export const pidsWithEnvMarker = (marker: string): number[] => pidsWhose('environ', marker);

/** Pids whose command line contains `needle`. */
export const pidsWithCmdline = (needle: string): number[] => pidsWhose('cmdline', needle);

/**
 * Pids of the grading runs `ownerPid` started (their marker `BC_GRADE_RUN=<id>-<owner>` names it),
 * those whose command line contains `cmdline` if given: a check of what one grading left behind
 * that other gradings on the machine cannot disturb.
 */
export function pidsOfRunsOwnedBy(ownerPid: number, cmdline?: string): number[] {
  const needle = Buffer.from('BC_GRADE_RUN=');
  const out: number[] = [];
  for (const [pid, env] of procFiles('environ')) {
    const at = env.indexOf(needle);
    if (at < 0) continue;
    const end = env.indexOf(0, at);
    const value = env.subarray(at + needle.length, end < 0 ? undefined : end).toString();
    if (Number(value.split('-').pop()) !== ownerPid) continue;
    try {
      if (cmdline && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(cmdline)) continue;
    } catch {
      continue;
    }
    out.push(pid);
  }
  return out;
}

export function killPids(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Kill every process carrying `marker` until none is left (bounded). Returns how many were killed. */
export function sweepMarker(marker: string): number {
  let killed = 0;
  for (let round = 0; round < 20; round++) {
    const pids = pidsWithEnvMarker(marker);
    if (pids.length === 0) break;
    killPids(pids, 'SIGKILL');
    killed += pids.length;
  }
  return killed;
}

/** A TCP socket some candidate process listens on. */
export interface ListeningSocket {
  port: number;
  /** Bound to a loopback address only (127.0.0.0/8 or ::1). */
  loopback: boolean;
}

const LOOPBACK_V4 = /^[0-9A-F]{6}7F$/;
const LOOPBACK_V6 = '00000000000000000000000001000000';

/**
 * Sockets that any of `pids` listens on: their socket fds matched against the TCP tables of their
 * own network namespace (a container's is not the harness's).
 */
export function listeningSockets(pids: number[]): ListeningSocket[] {
  const inodes = socketInodes(pids);
  const sockets: ListeningSocket[] = [];
  for (const cols of tcpRows(pids)) {
    // st 0A = LISTEN; inode is column 9.
    if (cols[3] !== '0A' || !cols[9] || !inodes.has(cols[9])) continue;
    const [address = '', hexPort = ''] = cols[1]?.split(':') ?? [];
    const port = Number.parseInt(hexPort, 16);
    if (Number.isInteger(port)) {
      sockets.push({ port, loopback: LOOPBACK_V4.test(address) || address === LOOPBACK_V6 });
    }
  }
  return sockets.sort((a, b) => a.port - b.port);
}

/** What the kernel holds for connections to `port` of a candidate's listening sockets. */
export interface PortBacklog {
  /** Connections the kernel completed that no process has accepted yet. */
  unaccepted: number;
  /** Connections the candidate accepted. */
  accepted: number;
  /** Of those, the ones with bytes (a request) it has not read. */
  unread: number;
}

/**
 * How connections to `port` stand in the TCP tables of `pids`' network namespace: whether they
 * reach the service at all, wait to be accepted, or were accepted and left unread. For a LISTEN
 * socket the kernel's rx_queue is its accept queue.
 */
export function portBacklog(pids: number[], port: number): PortBacklog {
  const inodes = socketInodes(pids);
  const out: PortBacklog = { unaccepted: 0, accepted: 0, unread: 0 };
  for (const cols of tcpRows(pids)) {
    const local = Number.parseInt(cols[1]?.split(':')[1] ?? '', 16);
    if (local !== port || !cols[9] || !inodes.has(cols[9])) continue;
    const rxQueue = Number.parseInt(cols[4]?.split(':')[1] ?? '0', 16) || 0;
    if (cols[3] === '0A') out.unaccepted += rxQueue;
    else {
      out.accepted++;
      if (rxQueue > 0) out.unread++;
    }
  }
  return out;
}

/** Inodes of the sockets `pids` hold open. */
function socketInodes(pids: number[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const m = readlinkSafe(`/proc/${pid}/fd/${fd}`)?.match(/^socket:\[(\d+)\]$/);
      if (m?.[1]) inodes.add(m[1]);
    }
  }
  return inodes;
}

/** The rows of the TCP tables (v4 and v6) of `pids`' own network namespace, split in columns. */
function tcpRows(pids: number[]): string[][] {
  const netDir = pids.length ? `/proc/${pids[0]}/net` : '/proc/net';
  const rows: string[][] = [];
  for (const file of [`${netDir}/tcp`, `${netDir}/tcp6`]) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      if (line.trim()) rows.push(line.trim().split(/\s+/));
    }
  }
  return rows;
}

function readlinkSafe(p: string): string | null {
  try {
    return readlinkSync(p);
  } catch {
    return null;
  }
}

/**
 * True while `pid` runs (ours to signal or not). A zombie is dead: a killed owner stays one until
 * its parent reaps it, and on a busy machine its leftovers were then kept for a live run's.
 */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // The state follows the command name in parentheses, which may itself hold ") ".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false; // gone between the two looks
  }
};

/**
 * Kill processes of grading runs whose owner is gone. Markers read `BC_GRADE_RUN=<id>-<ownerPid>`:
 * if both harness processes of a run were killed outright, their services would otherwise live
 * on, so every new run reaps them first. Returns how many were killed.
 */
export function sweepOrphans(): number {
  let killed = 0;
  const needle = Buffer.from('BC_GRADE_RUN=');
  for (const [pid, env] of procFiles('environ')) {
    const at = env.indexOf(needle);
    if (at < 0) continue;
    const end = env.indexOf(0, at);
    const value = env.subarray(at + needle.length, end < 0 ? undefined : end).toString();
    const owner = Number(value.split('-').pop());
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
      killPids([pid], 'SIGKILL');
      killed++;
    }
  }
  return killed;
}
