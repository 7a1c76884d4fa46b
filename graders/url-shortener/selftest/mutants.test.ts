import { grade } from '@bc/harness';
import { categoryScore, listMutants, materializeMutant } from '@bc/harness/testing';
import { describe, expect, test } from 'vitest';
import { graderDir, mutantsDir, referenceDir } from './paths.ts';

const mutants = listMutants(mutantsDir);

describe('url-shortener mutants', () => {
  test('when mutants are listed, then there are at least six', () => {
    expect(mutants.length).toBeGreaterThanOrEqual(6);
  });

  test.each(mutants.map((m) => [m.name, m.target, m] as const))(
    'when mutant %s is graded, then it loses %s points',
    async (_name, target, mutant) => {
      const dir = materializeMutant(referenceDir, mutant);
      const r = await grade({ challenge: 'url-shortener', submission: dir, graderDir, seed: 77 });
      expect(r.status).toBe('graded');
      const { score, max } = categoryScore(r, target);
      const lost = r.tests.filter((t) => t.status !== 'passed').map((t) => `${t.tags[0]}/${t.id}`);
      expect(score, `${mutant.bug}; lost: ${lost.join(', ') || 'nothing'}`).toBeLessThan(max);
      expect(r.score).toBeLessThan(100);
    },
  );
});
