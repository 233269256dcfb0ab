/**
 * Soft-DTW, its divergences and sharp variants (Cuturi & Blondel, ICML
 * 2017; Blondel, Mensch & Vert, AISTATS 2021): values, gradients,
 * second-order products, pairwise matrices, barycenters and a
 * nearest-centroid classifier. Kernels: crates/core/src/dtw.
 * @module
 */
export type { DtwCost, SoftDtwOptions } from './dtw/common.js';
export type { Series } from './dtw/series.js';
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
  type SeriesFunction,
  type SeriesGrad,
  type FromCostFunction,
  type FromCostOptions,
  type CostMatrix,
} from './dtw/ops.js';
export {
  softDtwPairwise,
  softDtwBarycenter,
  type DtwMetric,
  type PairwiseOptions,
  type BarycenterMetric,
  type BarycenterOptions,
  type BarycenterResult,
} from './dtw/batch.js';
export { NearestCentroid, type CentroidMetric, type NearestCentroidOptions } from './dtw/classifier.js';
