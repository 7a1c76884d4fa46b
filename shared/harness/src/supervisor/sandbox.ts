import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { dirname } from 'node:path';
import { InfraError } from '../errors.ts';
import { isRoot } from '../util.ts';

/** The unprivileged identity candidate code runs as when the harness is root. */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

/** How candidate processes are contained in this run. */
export interface SandboxPlan {
  /** docker: each candidate process in a container of its own (see container.ts). */
  mode: 'bwrap' | 'none' | 'docker';
  /** Drop to this uid/gid before running candidate code (only when the harness is root). */
  runAs: { uid: number; gid: number } | null;
  /** Why the plan is weaker than asked, if it is. */
  note?: string;
}

function which(bin: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Does bubblewrap actually work here (installed, user namespaces allowed)? */
function bwrapWorks(runAs: SandboxPlan['runAs']): boolean {
  if (!which('bwrap')) return false;
  const args = [...bwrapArgs('/', [], true), 'true'];
  const r = runAs
    ? spawnSync('setpriv', [
        `--reuid=${runAs.uid}`,
        `--regid=${runAs.gid}`,
        '--clear-groups',
        'bwrap',
        ...args,
      ])
    : spawnSync('bwrap', args);
  return r.status === 0;
}

/**
 * A uid of its own for one run's candidate code (above any real account), so that runs on one
 * machine neither share an RLIMIT_NPROC budget nor can signal each other's processes.
 */
export function runUid(): number {
  return 200_000 + ((process.pid * 7919 + Date.now()) % 800_000);
}

/**
 * Choose the sandbox for `requested`; throws InfraError when "bwrap" is demanded but unusable.
 * Whether Docker can run candidates is the caller's check (it knows the images).
 */
export function planSandbox(requested: 'auto' | 'bwrap' | 'none' | 'docker', uid = SANDBOX_UID): SandboxPlan {
  const runAs = isRoot() && which('setpriv') ? { uid, gid: uid } : null;
  if (requested === 'none') return { mode: 'none', runAs, note: 'sandbox disabled with --sandbox none' };
  // Containers never run candidate code as root: a uid of the run's own, or nobody.
  if (requested === 'docker')
    return { mode: 'docker', runAs: isRoot() ? { uid, gid: uid } : { uid: SANDBOX_UID, gid: SANDBOX_GID } };
  if (bwrapWorks(runAs)) return { mode: 'bwrap', runAs };
  if (requested === 'bwrap') {
    throw new InfraError(
      which('bwrap')
        ? 'bubblewrap is installed but cannot create a sandbox here (user namespaces disabled?); use --sandbox none'
        : 'bubblewrap is not installed: apt-get install bubblewrap (or use --sandbox none)',
    );
  }
  return {
    mode: 'none',
    runAs,
    note: which('bwrap')
      ? 'bubblewrap cannot create namespaces on this machine: the candidate ran unsandboxed'
      : 'bubblewrap is not installed: the candidate ran unsandboxed (apt-get install bubblewrap)',
  };
}

/** Can the whole session go into a private network namespace (loopback only)? */
export function netnsAvailable(): boolean {
  if (!isRoot() || !which('unshare') || !which('ip')) return false;
  return spawnSync('unshare', ['--net', 'ip', 'link', 'set', 'lo', 'up']).status === 0;
}

/**
 * What of the host a candidate sees, read-only: the system's programs and libraries, the few
 * files of /etc a runtime reads, and Node's own install when it lives outside /usr. Never the
 * host's root: that would show the checkout, graders/, other runs and every readable home.
 */
export function systemBinds(): { src: string; dest: string }[] {
  const dirs = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
  const etc = [
    'passwd',
    'group',
    'hosts',
    'nsswitch.conf',
    'resolv.conf',
    'localtime',
    'ld.so.cache',
    'ld.so.conf',
    'ld.so.conf.d',
    'ssl',
    'ca-certificates',
    'alternatives',
    'os-release',
    'mime.types',
    // Debian's Java and Maven keep their configuration here, behind links from /usr.
    'maven',
    ...readdirSync('/etc').filter((n) => /^java-\d+-openjdk$/.test(n)),
  ].map((f) => `/etc/${f}`);
  // Node installed elsewhere (nvm, /opt): its prefix, so `node` and npm's shims still run.
  const nodePrefix = dirname(dirname(realpathSync(process.execPath)));
  const extra = nodePrefix.startsWith('/usr/') || nodePrefix === '/usr' ? [] : [nodePrefix];
  return [...dirs, ...etc, ...extra].filter((p) => existsSync(p)).map((p) => ({ src: p, dest: p }));
}

function bwrapArgs(
  workDir: string,
  roBinds: { src: string; dest: string }[],
  probe = false,
  moreRw: string[] = [],
): string[] {
  const args: string[] = [];
  // /bin and /lib are symlinks into /usr on merged-/usr systems: recreate them as links.
  for (const b of systemBinds()) {
    const link = lstatSync(b.src).isSymbolicLink() ? readlinkSync(b.src) : null;
    args.push(...(link ? ['--symlink', link, b.dest] : ['--ro-bind', b.src, b.dest]));
  }
  args.push('--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp');
  if (!probe) args.push('--bind', workDir, workDir);
  for (const d of moreRw) args.push('--bind', d, d);
  for (const b of roBinds) args.push('--ro-bind', b.src, b.dest);
  // The sandbox's own root (where bwrap made the mount points) is read-only too: a write beside the
  // work dir fails rather than landing somewhere that looks like the host.
  args.push('--remount-ro', '/');
  // No --unshare-net: the session as a whole already sits in a loopback-only namespace, and the
  // candidate must reach the run's Postgres and Redis on that loopback.
  args.push(
    '--unshare-user',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_GID),
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    '--new-session',
    '--chdir',
    probe ? '/' : workDir,
  );
  return args;
}

/**
 * A shell prefix that gives the session it runs in the harness's own nice. The suite runs the
 * harness at nice 19 to fill idle time (scripts/test.sh); but where the kernel groups processes
 * by session (sched_autogroup, on here), a session of its own (a detached spawn's, bwrap's
 * --new-session) is weighed like any other group whatever its processes' nice: a nice-19 spinner
 * in its own session took a whole core beside two nice-0 ones in another, so the harness's
 * candidates competed at full weight with the graders' load measurements. Raising one's own needs
 * no privilege, but without CAP_SYS_ADMIN the kernel takes one such write per 100 ms on the whole
 * machine: a few tries. Nothing when the harness is not niced, or the kernel has no autogroups.
 */
function keepNice(): string {
  const nice = getPriority();
  if (nice <= 0) return '';
  return `for t in 1 2 3 4 5; do { echo ${nice} > /proc/self/autogroup; } 2>/dev/null && break; [ -e /proc/self/autogroup ] || break; sleep 0.1; done; `;
}

/**
 * Gives a process's new session the harness's nice, as candidates' sessions get it (keepNice,
 * above): a session's weight is its own, whatever its processes' nice.
 */
export function keepNiceOf(pid: number | undefined): void {
  const nice = getPriority();
  if (!pid || nice <= 0) return;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // No autogroups on this kernel, or the process is gone: nothing to keep.
  }
}

/** A spawnable command line that runs `shellCommand` in `workDir` under `plan`. */
export function wrapCommand(
  plan: SandboxPlan,
  opts: {
    workDir: string;
    shellCommand: string;
    roBinds?: { src: string; dest: string }[];
    cgroupProcs?: string[];
    nproc?: number;
  },
): { file: string; args: string[] } {
  const inner: string[] = [];
  if (plan.runAs) {
    // RLIMIT_NPROC only binds a non-root uid, so it is set just before dropping to one.
    if (opts.nproc) inner.push('prlimit', `--nproc=${opts.nproc}:${opts.nproc}`, '--');
    inner.push('setpriv', `--reuid=${plan.runAs.uid}`, `--regid=${plan.runAs.gid}`, '--clear-groups', '--');
  }
  // The candidate's processes are in bwrap's session when there is one, else in the wrapper's.
  const bwrap = plan.mode === 'bwrap';
  if (bwrap) inner.push('bwrap', ...bwrapArgs(opts.workDir, opts.roBinds ?? []));
  inner.push('sh', '-c', `${bwrap ? keepNice() : ''}${opts.shellCommand}`);
  // The wrapper shell joins the cgroups itself before exec'ing, so no child can fork outside them.
  const join = (opts.cgroupProcs ?? []).map((f) => `echo $$ > '${f}'`).join(' && ');
  const prefix = `${bwrap ? '' : keepNice()}${join ? `${join} && ` : ''}`;
  return { file: 'sh', args: ['-c', `${prefix}exec "$@"`, 'wrapper', ...inner] };
}

/**
 * The installer's command line: `cmd` in a sandbox of its own that sees the system, `rw` (the
 * tree being installed and the package manager's cache) and `ro` (a CA file), with the network
 * (it fetches packages) but no other file of this machine, so no dependency spec can bring the
 * checkout or graders/ into node_modules. As SANDBOX_UID when the harness is root; as is otherwise.
 */
export function installerCommand(
  cmd: string[],
  rw: string[],
  ro: string[],
): { file: string; args: string[]; uid?: number; gid?: number } {
  const asNobody = isRoot() ? { uid: SANDBOX_UID, gid: SANDBOX_GID } : {};
  if (!which('bwrap')) return { file: cmd[0]!, args: cmd.slice(1), ...asNobody };
  const [first, ...rest] = rw;
  const binds = ro.filter((p) => existsSync(p)).map((p) => ({ src: p, dest: p }));
  // Inside, as every sandbox, uid 65534: files it writes belong to the real (outer) uid on the host.
  return {
    file: 'bwrap',
    args: [...bwrapArgs(first!, binds, false, rest), ...cmd],
    ...asNobody,
  };
}
