import { validateGrader } from '@bc/harness/testing';
import { graderDir } from './paths.ts';

// The standard self-validation: rubric ⇄ tests ⇄ README rules, reference 100 and reproducible,
// starter low with reproducible failures, alternative 100, every mutant fails exactly its items.
validateGrader({ slug: 'saga', graderDir });
