import type { GraderDefinition, RubricItem } from '../types.ts';

/** Identity helpers that give grader files type checking. */
export const defineGrader = (def: GraderDefinition): GraderDefinition => def;
export const defineRubric = <const T extends readonly RubricItem[]>(items: T): T => items;
