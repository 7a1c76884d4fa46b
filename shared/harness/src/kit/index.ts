export { defineGrader, defineRubric } from './define.ts';
export { rubricTest, grading, type GradedTestContext } from './rubric-test.ts';
export { api, Api, type Exchange, ContractError, describeExchange, fail } from './http.ts';
export { control } from './control.ts';
export { measureLoad, compareToBaseline, type LoadResult } from './load.ts';
export { seeded, eventually } from './random.ts';
