import { fileURLToPath } from 'node:url';

export const graderDir = fileURLToPath(new URL('..', import.meta.url));
export const referenceDir = fileURLToPath(new URL('../reference', import.meta.url));
export const mutantsDir = fileURLToPath(new URL('../mutants', import.meta.url));
export const alternativeDir = fileURLToPath(new URL('../fixtures/alternative', import.meta.url));
export const starterDir = fileURLToPath(new URL('../../../challenges/saga', import.meta.url));
