/**
 * The public API shared by every entry point (default, slim, edge).
 * @module
 */
export { init, initSync, isInitialized, wasmMemoryBytes, type InitSource, type SyncInitSource } from './runtime/instance.js';
export { DiffoptError, type ErrorCode } from './runtime/errors.js';
export { WasmArray } from './runtime/memory.js';
export type { Vector } from './runtime/input.js';
export {
  softRank,
  softSort,
  isotonic,
  projectPermutahedron,
  spearman,
  softLeastTrimmedSquares,
  type Regularization,
  type Direction,
  type SoftSortOptions,
  type IsotonicOptions,
  type ProjectionOptions,
  type SpearmanOptions,
  type TrimmedSquaresOptions,
  type DifferentiableOp,
  type Loss,
  type ValueAndGrad,
} from './sort.js';
export * from './dtw.js';
export {
  perturbed,
  perturbedFyLoss,
  type OracleSpec,
  type PerturbedOptions,
  type PerturbedFn,
  type PerturbedLoss,
  type PerturbedEstimate,
  type CallOptions,
} from './perturb.js';
export * from './fy.js';
export { fitLasso, fitElasticNet, fitWeightedLasso, fitSparseLogReg, lambdaMax, type FitOptions, type FitResult } from './lasso/solvers.js';
export { hypergradient, type HypergradientOptions, type HypergradientResult } from './lasso/hypergradient.js';
export {
  gradSearch,
  gridSearch,
  randomSearch,
  trainTestSplit,
  type SearchData,
  type SearchStep,
  type SearchBest,
  type SearchResult,
  type GradSearchOptions,
  type GridSearchOptions,
  type RandomSearchOptions,
} from './lasso/search.js';
export { LassoHypergrad, standardize, loadDiabetes, type LassoHypergradOptions, type StandardizeOptions, type Standardized } from './lasso/estimator.js';
export type { LassoModel, HypergradAlgorithm, Criterion, HeldOutCriterion, Optimizer, Matrix } from './lasso/common.js';
export type { ProblemOptions } from './lasso/session.js';
export { createPool, type Pool, type PoolOptions, type PoolOracle } from './pool/pool.js';
