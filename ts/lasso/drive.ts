/**
 * How the searches talk to their criterion. Each search is written once as a
 * generator that yields what it needs (an evaluation at h, or the final
 * refit) and receives the answer; {@link runSync} answers from a session on
 * this thread (gradSearch, gridSearch, …), {@link runAsync} from fold
 * sessions spread over a worker pool (pool.gradSearch, …). The loop, the
 * optimizer and the bookkeeping are therefore the same code in both, which is
 * what makes the pool's result bit-identical to the single call.
 * @module
 */
import { LassoSession, type EvalInfo, type FitNumbers, type SessionSpec } from './session.js';

/** What the loops need to know of the problem before the first evaluation. */
export interface ProblemFacts {
  /** λ_max of the training data (all rows for K-fold). */
  lambdaMax: number;
  /** Number of hyperparameters. */
  m: number;
}

/** One evaluation of the criterion. */
export interface Evaluation {
  info: EvalInfo;
  /** The hypergradient (m values) when asked for. */
  grad: Float64Array | null;
  /** β (the mean of the fold fits for K-fold) when asked for. */
  beta: Float64Array | null;
}

/** The refit at the selected point. */
export interface Refit {
  beta: Float64Array;
  fit: FitNumbers;
}

/** What a search loop asks for. */
export type Ask =
  | { kind: 'evaluate'; h: Float64Array; grad: boolean; beta: boolean }
  | { kind: 'refit'; h: Float64Array };

/** A search loop: yields asks, receives their answers, returns its result. */
export type Loop<R> = Generator<Ask, R, Evaluation | Refit>;

/** A criterion answering on this thread. */
export interface Evaluator {
  evaluate(h: Float64Array, grad: boolean, beta: boolean): Evaluation;
  refit(h: Float64Array): Refit;
}

/** A criterion answering from other threads. */
export interface AsyncEvaluator {
  evaluate(h: Float64Array, grad: boolean, beta: boolean): Promise<Evaluation>;
  refit(h: Float64Array): Promise<Refit>;
}

/** Asks for an evaluation (inside a loop: `const r = yield* evaluate(…)`). */
export function* evaluate(h: Float64Array, grad: boolean, beta: boolean): Generator<Ask, Evaluation, Evaluation | Refit> {
  return (yield { kind: 'evaluate', h, grad, beta }) as Evaluation;
}

/** Asks for the refit at h. */
export function* refit(h: Float64Array): Generator<Ask, Refit, Evaluation | Refit> {
  return (yield { kind: 'refit', h }) as Refit;
}

/**
 * Closes a loop whose ask failed (its `finally` blocks free what it holds)
 * without letting a failure there hide the error that stopped it.
 */
function abandon<R>(loop: Loop<R>): void {
  try {
    loop.return(undefined as R);
  } catch {
    // the original error is the one to report
  }
}

/**
 * Runs a loop to its end. When answering throws, the loop is closed first
 * and the error propagates.
 */
export function runSync<R>(loop: Loop<R>, ev: Evaluator): R {
  let step = loop.next();
  while (!step.done) {
    const ask = step.value;
    let answer: Evaluation | Refit;
    try {
      answer = ask.kind === 'evaluate' ? ev.evaluate(ask.h, ask.grad, ask.beta) : ev.refit(ask.h);
    } catch (err) {
      abandon(loop);
      throw err;
    }
    step = loop.next(answer);
  }
  return step.value;
}

/** {@link runSync} with answers that arrive later. */
export async function runAsync<R>(loop: Loop<R>, ev: AsyncEvaluator): Promise<R> {
  let step = loop.next();
  while (!step.done) {
    const ask = step.value;
    let answer: Evaluation | Refit;
    try {
      answer = ask.kind === 'evaluate' ? await ev.evaluate(ask.h, ask.grad, ask.beta) : await ev.refit(ask.h);
    } catch (err) {
      abandon(loop);
      throw err;
    }
    step = loop.next(answer);
  }
  return step.value;
}

/** The evaluator of a session on this thread. */
function sessionEvaluator(fn: string, session: LassoSession): Evaluator {
  return {
    evaluate: (h, grad, beta) => session.evaluate(fn, h, grad, beta),
    refit: (h) => session.refit(fn, h),
  };
}

/**
 * Runs a loop against a session of the problem on this thread, freed
 * afterwards (the single-threaded counterpart of the pool's fold sessions).
 */
export function runOnSession<R>(fn: string, spec: SessionSpec, names: readonly string[], loop: (facts: ProblemFacts) => Loop<R>): R {
  const session = new LassoSession(fn, spec, names);
  try {
    return runSync(loop({ lambdaMax: session.lambdaMax, m: session.m }), sessionEvaluator(fn, session));
  } finally {
    session.free();
  }
}
