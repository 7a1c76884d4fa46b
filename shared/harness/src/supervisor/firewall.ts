import { spawnSync } from 'node:child_process';
import { InfraError } from '../errors.ts';
import { isAlive } from './proc.ts';

// What the candidate may connect to: the ports its grader gives it (fault proxies, stubs) and
// nothing else. The real Postgres and Redis, the control API, baselines and test workers listen on
// the same machine, so without this a submission could connect around the proxies (lifting a fault
// it is graded on), drive the harness, or reach this machine's network. Answers on connections the
// grader opened to the candidate are let through (conntrack). Each run's rules sit in chains of its
// own, removed when the run ends.

type Rule = string[];

function ipt(bin: 'iptables' | 'ip6tables', args: string[], check = true): boolean {
  const r = spawnSync(bin, ['-w', ...args], { encoding: 'utf8' });
  if (r.status !== 0 && check) {
    throw new InfraError(
      `${bin} could not restrict the candidate's network (${(r.stderr || r.error?.message || '').trim().split('\n')[0]}): apt-get install iptables, or grade with --sandbox docker`,
    );
  }
  return r.status === 0;
}

/** A chain of `rules`, jumped to from `hook` by `match`; returns how to remove both. */
function installChain(
  bin: 'iptables' | 'ip6tables',
  chain: string,
  hook: 'OUTPUT' | 'INPUT',
  match: string[],
  rules: Rule[],
): () => void {
  ipt(bin, ['-N', chain]);
  for (const r of rules) ipt(bin, ['-A', chain, ...r]);
  ipt(bin, ['-I', hook, '1', ...match, '-j', chain]);
  return () => {
    ipt(bin, ['-D', hook, ...match, '-j', chain], false);
    ipt(bin, ['-F', chain], false);
    ipt(bin, ['-X', chain], false);
  };
}

const established: Rule = ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'];
/**
 * TCP without SYN opens no connection (and a sandboxed process, without raw sockets, sends none
 * outside a connection), so it passes: on a busy machine conntrack judged packets of live
 * connections out of window or lost track of them (in Docker, up to a thousand in one grading
 * beside a CPU hog and a local grading), and a reset sent for such a packet can tear down the
 * service's end of a grader's connection, leaving its request to wait out its 5 s.
 */
const midStream: Rule = ['-p', 'tcp', '--tcp-flags', 'SYN', 'NONE', '-j', 'ACCEPT'];
const rejectRest: Rule[] = [
  ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
  ['-j', 'REJECT'],
];

/**
 * Local sandbox: every packet the candidate's uid sends (in the session's network namespace, or
 * the machine's when there is none) may only open TCP connections to `ports` on 127.0.0.1.
 */
export function restrictUid(uid: number, ports: number[]): () => void {
  const owner = ['-m', 'owner', '--uid-owner', String(uid)];
  const chain = chainName('U', String(uid));
  const allow = ports.map((p) => ['-d', '127.0.0.1', '-p', 'tcp', '--dport', String(p), '-j', 'ACCEPT']);
  const undo4 = installChain('iptables', chain, 'OUTPUT', owner, [
    established,
    ...allow,
    midStream,
    ...rejectRest,
  ]);
  try {
    const undo6 = installChain('ip6tables', chain, 'OUTPUT', owner, [established, ['-j', 'REJECT']]);
    return () => {
      undo4();
      undo6();
    };
  } catch (e) {
    undo4();
    throw e;
  }
}

/**
 * Docker sandbox: what arrives at this machine from the run's bridge may only open TCP
 * connections to `ports` on the bridge's gateway (published ports of other containers, the
 * machine's other addresses and other runs' gateways are refused).
 */
export function restrictBridge(bridge: string, gateway: string, ports: number[]): () => void {
  const allow = ports.map((p) => ['-d', gateway, '-p', 'tcp', '--dport', String(p), '-j', 'ACCEPT']);
  return installChain(
    'iptables',
    chainName('B', bridge.replace(/^br-/, '').slice(0, 8)),
    'INPUT',
    ['-i', bridge],
    [established, ...allow, midStream, ...rejectRest],
  );
}

/** A run's chain names its owner's pid, so a later run can remove what a killed one left. */
const chainName = (kind: 'U' | 'B', id: string): string => `BC${kind}-${process.pid}-${id}`.slice(0, 28);

/** Remove the chains (and their jumps) of runs whose harness is gone. */
export function reapFirewall(): void {
  if (!firewallAvailable()) return;
  for (const bin of ['iptables', 'ip6tables'] as const) {
    const rules = spawnSync(bin, ['-w', '-S'], { encoding: 'utf8' }).stdout ?? '';
    const dead = [...rules.matchAll(/^-N (BC[UB]-(\d+)-\S+)$/gm)]
      .filter((m) => !isAlive(Number(m[2])))
      .map((m) => m[1]!);
    for (const chain of dead) {
      for (const jump of rules.split('\n').filter((l) => l.startsWith('-A ') && l.endsWith(`-j ${chain}`))) {
        ipt(bin, ['-D', ...jump.slice(3).split(' ')], false);
      }
      ipt(bin, ['-F', chain], false);
      ipt(bin, ['-X', chain], false);
    }
  }
}

/** Can this machine restrict a uid's connections (iptables and ip6tables with the owner match)? */
export function firewallAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v iptables && command -v ip6tables']).status === 0;
}
