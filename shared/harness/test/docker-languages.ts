import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { grade } from '../src/grade.ts';
import { REPO_ROOT } from '../src/graders.ts';
import { findToolchain, MissingToolchain } from '../src/languages/toolchains.ts';
import { dockerUnavailable } from '../src/provision/docker.ts';
import { pidsOfRunsOwnedBy } from '../src/supervisor/proc.ts';

const LANGUAGES = ['python', 'go', 'rust', 'java'] as const;

function unavailable(): string | null {
  try {
    for (const language of LANGUAGES) {
      const why = dockerUnavailable(['postgres', 'redis'], findToolchain(language));
      if (why) return why;
    }
    return null;
  } catch (e) {
    if (e instanceof MissingToolchain) return e.message;
    throw e;
  }
}
/**
 * Python, Go, Rust and Java graded in Docker, each in its runner image. Registered by
 * docker-sandbox.test.ts, so they run after its gradings and never beside them: 1,000 concurrent
 * creates in Docker, beside these gradings in another file, dropped connections for over 5 s.
 */
export function dockerLanguageTests(): void {
  const why = unavailable();
  // A skip must say why where CI prints it: a silent skip reads as a pass.
  if (why) process.stdout.write(`docker language runner tests skipped: ${why}\n`);

  describe.skipIf(why !== null)('submissions in other languages in Docker (--sandbox docker)', () => {
    afterEach(() => {
      expect(pidsOfRunsOwnedBy(process.pid)).toEqual([]);
    });

    test("when the URL shortener's Python, Go, Rust and Java starters are graded in Docker, then each installs, builds and starts in its language's runner image and answers the hidden suite", async () => {
      const results = await Promise.all(
        LANGUAGES.map((language) =>
          grade({
            challenge: 'url-shortener',
            submission: join(REPO_ROOT, 'challenges', 'url-shortener', 'starters', language),
            seed: 5,
            sandbox: 'docker',
            services: 'docker',
            // Items a starter passes (the JSON 404) and fails (wrong types): enough to show that
            // the service ran in its container and answered, without the rest of the suite.
            only: ['robustness'],
            // What is tested is the language pipeline in Docker, not how fast a service starts:
            // four builds and starts at once beside the graders, at nice 19, once left Python
            // silent for the grader's 30 s (CI of stop 42).
            timeoutOverrides: { healthy: 90_000 },
          }),
        ),
      );
      for (const [i, r] of results.entries()) {
        const language = LANGUAGES[i]!;
        expect(r.status, `${language}: ${r.reason ?? ''}\n${r.candidate.outputTail}`).toBe('graded');
        expect(r.sandbox.mode).toBe('docker');
        expect(r.runtime.language).toBe(language);
        // Built in the container (Python's compileall, go build, cargo build, mvn package), offline.
        expect(r.runtime.build, language).toBeTruthy();
        // It answered from its container: the starter's JSON 404 passes, and no item went unanswered.
        expect(r.tests.find((t) => t.id === 'unknown-route-json-404')?.status, language).toBe('passed');
        expect(r.tests.filter((t) => /no HTTP response/.test(t.output)).map((t) => t.id)).toEqual([]);
        expect(r.score, `${language}: a starter scores low`).toBeLessThan(r.max_score);
      }
    }, 300_000);
  });
}
