/**
 * The worker side of the pool's Lasso-type problems (see `LassoTask` in
 * protocol.ts): a session lives here between tasks so every fold keeps its
 * warm starts across the evaluations of a search, exactly as inside one
 * session on one thread.
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import { LassoSession, fitNumbersArray } from '../lasso/session.js';
import type { LassoTask } from './protocol.js';

const problems = new Map<number, LassoSession>();

function sessionOf(fn: string, key: number): LassoSession {
  const s = problems.get(key);
  if (!s) throw new DiffoptError('freed', `${fn}: this problem is not open on the worker`);
  return s;
}

/** Runs one Lasso task; the answer is packed as protocol.ts describes. */
export function runLassoTask(task: LassoTask): Float64Array {
  switch (task.op) {
    case 'lasso-open': {
      problems.get(task.key)?.free();
      const s = new LassoSession(task.fn, task.spec, task.names, task.part);
      problems.set(task.key, s);
      return Float64Array.of(s.lambdaMax, s.m, s.p, s.splits);
    }
    case 'lasso-eval':
      return sessionOf(task.fn, task.key).evaluateSplits(task.fn, task.h, task.grad);
    case 'lasso-refit': {
      const r = sessionOf(task.fn, task.key).refit(task.fn, task.h);
      const out = new Float64Array(5 + r.beta.length);
      out.set(fitNumbersArray(r.fit));
      out.set(r.beta, 5);
      return out;
    }
    case 'lasso-close':
      problems.get(task.key)?.free();
      problems.delete(task.key);
      return new Float64Array(0);
    default:
      // e.g. a main thread and a worker script of different versions
      throw new DiffoptError('option', `pool worker: unknown task '${String((task as { op?: unknown }).op)}'`);
  }
}
