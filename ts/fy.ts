/**
 * The Fenchel-Young family (mirrors crates/core/src/fy): regularized
 * prediction maps and projections with exact vjp/jvp (ts/fy/ops.ts), the
 * Fenchel-Young losses (ts/fy/losses.ts) and the generalized Fenchel-Young
 * losses of energy networks (ts/fy/generalized.ts).
 * @module
 */
export {
  softmax,
  sparsemax,
  entmax,
  sigmoid,
  sparseSigmoid,
  projectSimplex,
  projectL1Ball,
  projectBox,
  projectSparseSimplex,
  type FyOp,
  type EntmaxOp,
  type Pullback,
  type PullbackOptions,
  type OutArray,
  type BatchOptions,
  type EntmaxOptions,
  type SimplexOptions,
  type L1BallOptions,
  type BoxOptions,
  type SparseSimplexOptions,
} from './fy/ops.js';
export {
  fyLoss,
  multilabelLoss,
  type FyMap,
  type FyLossOptions,
  type FyValueAndGrad,
  type FyLossFn,
  type Target,
  type MultilabelMap,
  type MultilabelOptions,
} from './fy/losses.js';
export {
  generalizedFyLoss,
  GFY_TOL,
  GFY_MAX_ITER,
  type GfyDomain,
  type GfyRegularizer,
  type GeneralizedFyOptions,
  type GeneralizedValueAndGrad,
  type GeneralizedPrediction,
  type GeneralizedFyLoss,
  type Energy,
  type CustomEnergyOptions,
  type CustomValueAndGrad,
  type CustomGfyLoss,
} from './fy/generalized.js';
