// `tsx shared/harness/src/warm-cli.ts python,go,rust,java`: set-up's warming of the
// caches a grading in those languages starts from, so the first grading on a machine does not pay
// for them: Go's standard library compiled (27 CPU-s), and each challenge's starter in the language
// installed (its modules fetched, and Go's compiled: pgx and go-redis took 44-66 s of both cores
// in a first grading). A candidate who keeps the starter's lockfile (most do) then installs
// nothing; one who changes it reuses what Go compiled through the shared module cache. The
// installs are the graders' own (install.ts, in the installer's jail); nothing here runs a
// starter's code. Quiet for what is already cached; one line per failure, then exit 1.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './graders.ts';
import { goStdCache, installLanguageDeps } from './languages/install.ts';
import { LANGUAGES, type Language } from './languages/manifest.ts';
import { findToolchain } from './languages/toolchains.ts';

const say = (line: string): boolean => process.stderr.write(`setup: ${line}\n`);

/** Each challenge's starter in `language`, as `challenges/<slug>/starters/<language>`. */
function starters(language: string): string[] {
  const root = join(REPO_ROOT, 'challenges');
  return readdirSync(root)
    .sort()
    .map((slug) => join(root, slug, 'starters', language))
    .filter((dir) => existsSync(dir));
}

const wanted = [...new Set((process.argv[2] ?? 'go').split(',').filter(Boolean))];
let failed = false;
for (const language of wanted) {
  if (!(LANGUAGES as readonly string[]).includes(language) || language === 'node') {
    say(`warm: unknown language ${language}`);
    failed = true;
    continue;
  }
  try {
    const tc = findToolchain(language as Language);
    if (language === 'go') {
      const started = Date.now();
      const dir = await goStdCache(tc);
      const s = (Date.now() - started) / 1000;
      if (s > 1) say(`Go's standard library compiled into ${dir} (${s.toFixed(0)} s)`);
    }
    for (const dir of starters(language)) {
      const started = Date.now();
      const got = await installLanguageDeps(language as Exclude<Language, 'node'>, dir, tc, {
        timeoutMs: 600_000,
        skip: false,
      });
      got.cleanup();
      const s = (Date.now() - started) / 1000;
      if (!got.cached && got.dir)
        say(`${got.command} for ${dir.slice(REPO_ROOT.length + 1)} (${s.toFixed(0)} s)`);
    }
  } catch (e) {
    say(`warm ${language}: ${(e as Error).message.split('\n')[0]}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
