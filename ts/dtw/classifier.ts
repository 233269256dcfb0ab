/**
 * Nearest-centroid classification of time series: one barycenter per class
 * ({@link softDtwBarycenter}), prediction by the smallest distance
 * ({@link softDtwPairwise}).
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import { choice, knownOptions, positive } from '../runtime/input.js';
import { COSTS, parseBand, type DtwCost } from './common.js';
import { euclideanMean, pack, softDtwBarycenter, softDtwPairwise, type BarycenterMetric, type DtwMetric } from './batch.js';
import type { Series } from './series.js';

/** Distance used by {@link NearestCentroid}. */
export type CentroidMetric = 'euclidean' | 'dtw' | 'soft-dtw' | 'divergence' | 'sharp-divergence';
const METRICS: readonly CentroidMetric[] = ['euclidean', 'dtw', 'soft-dtw', 'divergence', 'sharp-divergence'];

/** Options of {@link NearestCentroid}. */
export interface NearestCentroidOptions {
  /**
   * `'euclidean'` (frame-wise mean centroids, series resampled to a common
   * length), `'dtw'` (DTW distance to soft-DTW barycenters),
   * `'soft-dtw'` (default), `'divergence'` or `'sharp-divergence'` (the
   * distance and the barycenter objective agree).
   */
  metric?: CentroidMetric;
  /** γ of the soft metrics and of the barycenters (default 1). */
  gamma?: number;
  /** `'sqeuclidean'` (default) or `'half-sqeuclidean'`. */
  cost?: DtwCost;
  /** Sakoe-Chiba radius for distances and barycenters (default none). */
  band?: number;
  /** L-BFGS iterations per barycenter (default 50). */
  maxIter?: number;
  /** Barycenter tolerance (default 1e-3). */
  tol?: number;
  /** Called after each class's centroid is fitted: (done, total, label). */
  onProgress?: (done: number, total: number, label: unknown) => void;
}

const BARYCENTER_OF: Record<CentroidMetric, BarycenterMetric | null> = {
  euclidean: null,
  dtw: 'soft-dtw',
  'soft-dtw': 'soft-dtw',
  divergence: 'divergence',
  'sharp-divergence': 'sharp-divergence',
};

/**
 * Nearest-centroid classifier for time series: `fit` computes one centroid
 * per class (a soft-DTW / divergence barycenter, or the Euclidean mean),
 * `predict` assigns each series the class of the nearest centroid.
 *
 * @example
 * ```ts
 * import { init, NearestCentroid } from 'diffopt';
 * await init();
 * const train = [[0, 1, 2, 1, 0], [0, 0, 1, 2, 1], [2, 2, 2, 0, 0], [2, 2, 0, 0, 0]];
 * const clf = new NearestCentroid({ metric: 'divergence', gamma: 0.1 }).fit(train, ['bump', 'bump', 'drop', 'drop']);
 * clf.predict([[0, 1, 2, 2, 1]]);                       // ['bump']
 * clf.score(train, ['bump', 'bump', 'drop', 'drop']);   // 1
 * ```
 */
export class NearestCentroid<L = unknown> {
  readonly metric: CentroidMetric;
  readonly gamma: number;
  readonly cost: DtwCost;
  readonly band: number | undefined;
  readonly maxIter: number;
  readonly tol: number;
  private readonly onProgress: NearestCentroidOptions['onProgress'];
  /** Class labels, in order of first appearance in the training labels. */
  classes: L[] = [];
  /** One centroid per class: row-major `length × dims`. */
  centroids: { barycenter: Float64Array; shape: [number, number] }[] = [];

  constructor(options?: NearestCentroidOptions) {
    const fn = 'NearestCentroid';
    const o = knownOptions(fn, options, ['metric', 'gamma', 'cost', 'band', 'maxIter', 'tol', 'onProgress']);
    this.metric = METRICS[choice(fn, 'metric', o.metric, METRICS, 'soft-dtw')];
    this.gamma = positive(fn, 'gamma', o.gamma, 1);
    this.cost = COSTS[choice(fn, 'cost', o.cost, COSTS, 'sqeuclidean')];
    parseBand(fn, o.band);
    this.band = o.band as number | undefined;
    this.maxIter = (o.maxIter as number | undefined) ?? 50;
    this.tol = (o.tol as number | undefined) ?? 1e-3;
    if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
      throw new DiffoptError('type', `${fn}: onProgress must be a function`, 'onProgress');
    }
    this.onProgress = o.onProgress as NearestCentroidOptions['onProgress'];
  }

  /** Fits one centroid per class. */
  fit(series: readonly Series[], labels: readonly L[]): this {
    const fn = 'NearestCentroid.fit';
    if (!Array.isArray(series) || !Array.isArray(labels) || series.length !== labels.length) {
      throw new DiffoptError('shape', `${fn}: series and labels must be arrays of the same length`, 'labels');
    }
    if (series.length === 0) throw new DiffoptError('shape', `${fn}: no training series`, 'series');
    const classes: L[] = [];
    const members = new Map<L, Series[]>();
    labels.forEach((label, k) => {
      if (!members.has(label)) {
        members.set(label, []);
        classes.push(label);
      }
      members.get(label)!.push(series[k]);
    });
    const centroids: NearestCentroid['centroids'] = [];
    const target = BARYCENTER_OF[this.metric];
    classes.forEach((label, c) => {
      const group = members.get(label)!;
      if (target === null) {
        const p = pack(fn, 'series', group);
        const length = p.lens[0];
        if (!p.lens.every((l) => l === length)) {
          throw new DiffoptError('shape', `${fn}: the Euclidean metric needs series of equal lengths`, 'series');
        }
        centroids.push({ barycenter: euclideanMean(p, null, length), shape: [length, p.dims] });
      } else {
        const r = softDtwBarycenter(group, {
          metric: target, gamma: this.gamma, cost: this.cost, band: this.band, maxIter: this.maxIter, tol: this.tol,
        });
        centroids.push({ barycenter: r.barycenter, shape: r.shape });
      }
      this.onProgress?.(c + 1, classes.length, label);
    });
    this.classes = classes;
    this.centroids = centroids;
    return this;
  }

  /** Distances from each series to each centroid: row-major `series.length × classes.length`. */
  distances(series: readonly Series[]): Float64Array {
    if (this.centroids.length === 0) {
      throw new DiffoptError('shape', 'NearestCentroid.distances: call fit() first', 'series');
    }
    const metric: DtwMetric = this.metric;
    const cents = this.centroids.map((c) => ({ data: c.barycenter, shape: c.shape }));
    return softDtwPairwise(series, cents, { metric, gamma: this.gamma, cost: this.cost, band: this.band });
  }

  /** The label of the nearest centroid, per series. */
  predict(series: readonly Series[]): L[] {
    const d = this.distances(series);
    const k = this.classes.length;
    const out: L[] = [];
    for (let i = 0; i < series.length; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (d[i * k + c] < d[i * k + best]) best = c;
      out.push(this.classes[best]);
    }
    return out;
  }

  /** Accuracy of `predict(series)` against `labels`. */
  score(series: readonly Series[], labels: readonly L[]): number {
    if (!Array.isArray(labels) || labels.length !== series.length) {
      throw new DiffoptError('shape', 'NearestCentroid.score: series and labels must have the same length', 'labels');
    }
    const p = this.predict(series);
    let ok = 0;
    for (let i = 0; i < p.length; i++) if (p[i] === labels[i]) ok++;
    return ok / p.length;
  }
}
