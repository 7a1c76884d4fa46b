import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { DEFAULT_LIMITS } from '../src/graders.ts';
import { hasExited, processTree } from '../src/supervisor/proc.ts';
import { supervise } from '../src/supervisor/supervise.ts';
import { sleep } from '../src/util.ts';

const spec = (shellCommand: string) => ({
  label: 'supervise-test',
  shellCommand,
  cwd: tmpdir(),
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  sandbox: { mode: 'none' as const, runAs: null },
  limits: DEFAULT_LIMITS,
});

describe('supervised processes', () => {
  test('when a process dies on its own just before the harness stops it, its exit not yet seen, then it is reported as dead, not stopped', async () => {
    const p = supervise(spec('exit 3'));
    // Hold the event loop until the process has exited, before Node reaps it: what a busy
    // grading session does (ci49 lost "Instance a died while being graded" this way).
    const t0 = Date.now();
    while (!hasExited(p.pid) && Date.now() - t0 < 10_000) {
      // busy: no event is handled meanwhile
    }
    expect(p.isAlive()).toBe(true);
    const exit = await p.stop(1000);
    expect(exit).toMatchObject({ code: 3, stopped: false, forced: false });
  });

  test('when a process dies on its own under a shell that has not yet reaped it, then it is reported as dead, not stopped', async () => {
    // The shell stays to wait (`; exit $?`), and is held stopped until the service is a zombie: a
    // starved sandbox at nice 19 (ci94 lost "Instance a died while being graded" this way).
    // It exits when told, so however slowly this test runs, the shell is held before it does.
    const p = supervise(
      spec(
        `node -e "process.on('SIGHUP', () => process.exit(3)); console.log('ready'); setInterval(() => {}, 1000)"; exit $?`,
      ),
    );
    const service = () => processTree(p.pid).find((x) => x.pid !== p.pid);
    const t0 = Date.now();
    while (!p.output.tail(5).includes('ready') && Date.now() - t0 < 30_000) await sleep(20);
    process.kill(p.pid, 'SIGSTOP');
    process.kill(service()!.pid, 'SIGHUP');
    while (service()?.state !== 'Z' && Date.now() - t0 < 30_000) await sleep(20);
    expect(service()?.state).toBe('Z');
    const stopping = p.stop(2000);
    process.kill(p.pid, 'SIGCONT');
    expect(await stopping).toMatchObject({ code: 3, stopped: false, forced: false });
  });

  test('when a live process is stopped, then it is reported as stopped', async () => {
    const p = supervise(spec('sleep 30'));
    const exit = await p.stop(1000);
    expect(exit.stopped).toBe(true);
    expect(hasExited(p.pid)).toBe(true);
  });
});
