export { control } from './control.ts';
export { defineGrader, defineRubric } from './define.ts';
export { Api, api, ContractError, describeExchange, type Exchange, fail } from './http.ts';
export { compareToBaseline, type LoadResult, measureLoad } from './load.ts';
export { eventually, seeded } from './random.ts';
export { type GradedTestContext, grading, rubricTest } from './rubric-test.ts';
