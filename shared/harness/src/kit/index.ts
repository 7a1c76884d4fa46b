export type { FaultMode } from '../proxy.ts';
export type {
  StubCall,
  StubModel,
  StubModelFactory,
  StubRequest,
  StubResponse,
  StubRule,
  StubScript,
} from '../stub.ts';
export { clientAddress } from './clients.ts';
export { control, type InstanceStatus, type StubHandle } from './control.ts';
export { defineGrader, defineRubric } from './define.ts';
export {
  expectError,
  expectErrorJson,
  expectLoadAnswered,
  expectStatus,
  isErrorJson,
  LOAD_ERROR_SHARE,
} from './expect.ts';
export {
  Api,
  api,
  ContractError,
  describeExchange,
  type Exchange,
  fail,
  type RequestOptions,
} from './http.ts';
export {
  type Comparison,
  compareToBaseline,
  type ExpectedStatus,
  exclusiveLoad,
  type LoadRequest,
  type LoadResult,
  type LoadTarget,
  latencyRatio,
  linearShare,
  measureLoad,
  median,
  quantile,
  showMs,
  showRatio,
} from './load.ts';
export { pool } from './pool.ts';
export { eventually, seeded } from './random.ts';
export { type RatioScale, ratioItems } from './ratio-items.ts';
export { type GradedTestContext, grading, rubricTest } from './rubric-test.ts';
export { starterVisibleTests, visibleTestsRubric } from './visible.ts';
