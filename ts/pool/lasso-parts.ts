/**
 * The worker side of the pool's Lasso-type problems (see `LassoTask` in
 * protocol.ts): sessions live here between tasks so every fold keeps its warm
 * starts across the evaluations of a search, exactly as inside one session.
 * @module
 */
import { DiffoptError } from '../runtime/errors.js';
import { LassoSession, evalInfoArray } from '../lasso/session.js';
import type { LassoTask } from './protocol.js';

const problems = new Map<number, LassoSession[]>();

function partsOf(fn: string, key: number): LassoSession[] {
  const parts = problems.get(key);
  if (!parts) throw new DiffoptError('freed', `${fn}: this problem is not open on the worker`);
  return parts;
}

function closeKey(key: number): void {
  for (const s of problems.get(key) ?? []) s.free();
  problems.delete(key);
}

/** Runs one Lasso task; the answer is packed as protocol.ts describes. */
export function runLassoTask(task: LassoTask): Float64Array {
  switch (task.op) {
    case 'lasso-open': {
      closeKey(task.key);
      const parts: LassoSession[] = [];
      problems.set(task.key, parts);
      try {
        for (const part of task.parts) parts.push(new LassoSession(task.fn, task.spec, task.names, part));
      } catch (err) {
        closeKey(task.key);
        throw err;
      }
      const s = parts[0];
      return Float64Array.of(s.lambdaMax, s.m, s.p);
    }
    case 'lasso-eval': {
      const parts = partsOf(task.fn, task.key);
      const chunks = parts.map((s) => s.evaluate(task.fn, task.h, task.grad, task.beta));
      const size = 7 + (task.grad ? parts[0].m : 0) + (task.beta ? parts[0].p : 0);
      const out = new Float64Array(size * parts.length);
      chunks.forEach((c, i) => {
        let at = i * size;
        out.set(evalInfoArray(c.info), at);
        at += 7;
        if (c.grad) {
          out.set(c.grad, at);
          at += c.grad.length;
        }
        if (c.beta) out.set(c.beta, at);
      });
      return out;
    }
    case 'lasso-refit': {
      const r = partsOf(task.fn, task.key)[0].refit(task.fn, task.h);
      const f = r.fit;
      const out = new Float64Array(5 + r.beta.length);
      out.set([f.gap, f.objective, f.iterations, f.converged ? 1 : 0, f.polished ? 1 : 0]);
      out.set(r.beta, 5);
      return out;
    }
    case 'lasso-close':
      closeKey(task.key);
      return new Float64Array(0);
  }
}
