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
export {
  softDtw,
  softDtwDivergence,
  sharpSoftDtw,
  sharpSoftDtwDivergence,
  meanCostDtw,
  meanCostDtwDivergence,
  softDtwEntropy,
  softDtwAlignment,
  softDtwFromCost,
  softDtwPairwise,
  softDtwBarycenter,
  NearestCentroid,
  type DtwCost,
  type DtwMetric,
  type PairwiseOptions,
  type BarycenterMetric,
  type BarycenterOptions,
  type BarycenterResult,
  type CentroidMetric,
  type NearestCentroidOptions,
  type SoftDtwOptions,
  type Series,
  type SeriesFunction,
  type SeriesGrad,
  type FromCostFunction,
  type FromCostOptions,
  type CostMatrix,
} from './dtw.js';
