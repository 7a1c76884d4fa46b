// `tsx shared/harness/src/languages/warm-cli.ts`: build Go's standard-library cache now (set-up),
// not in the first Go grading (27 CPU-s). Quiet when it exists; exit 1 with one line without Go.
import { goStdCache } from './install.ts';
import { findToolchain } from './toolchains.ts';

try {
  const started = Date.now();
  const dir = await goStdCache(findToolchain('go'));
  const s = (Date.now() - started) / 1000;
  if (s > 1) process.stderr.write(`setup: Go's standard library compiled into ${dir} (${s.toFixed(0)} s)\n`);
} catch (e) {
  process.stderr.write(`setup: ${(e as Error).message}\n`);
  process.exit(1);
}
