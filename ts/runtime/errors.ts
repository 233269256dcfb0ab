/**
 * Errors thrown by diffopt. Every failure is a {@link DiffoptError} with a
 * machine-readable `code` and, where one argument is to blame, its name.
 * @module
 */

/** What went wrong, as a stable string users can switch on. */
export type ErrorCode =
  /** Lengths or shapes disagree. */
  | 'shape'
  /** A scalar is outside its domain (e.g. `strength <= 0`). */
  | 'domain'
  /** An array holds NaN or ±Infinity. */
  | 'nonfinite'
  /** An operator was called before `init()` / `initSync()`. */
  | 'not-initialized'
  /** An option name or option value is unknown. */
  | 'option'
  /** An argument has the wrong JavaScript type. */
  | 'type'
  /** The request is larger than wasm32 memory can hold. */
  | 'size'
  /** wasm memory could not grow. */
  | 'memory'
  /** The wasm instance trapped; the next call runs on a fresh instance. */
  | 'trap'
  /** A {@link WasmArray} was used after `free()` or after an instance reset. */
  | 'freed'
  /** The wasm module does not match this JavaScript build, or failed to load. */
  | 'load'
  /** An iterative solver did not reach its tolerance within its iteration cap. */
  | 'convergence';

/**
 * The error type of every failure raised by diffopt.
 *
 * @example
 * ```ts
 * import { init, softRank, DiffoptError } from 'diffopt';
 * await init();
 * try {
 *   softRank([1, 2], { strength: -1 });
 * } catch (e) {
 *   if (!(e instanceof DiffoptError)) throw e;
 *   e.code;     // 'domain'
 *   e.argument; // 'strength'
 *   e.message;  // 'softRank: strength must be a finite number > 0, got -1'
 * }
 * ```
 */
export class DiffoptError extends Error {
  /** Stable machine-readable reason. */
  readonly code: ErrorCode;
  /** Name of the offending argument or option, when there is one. */
  readonly argument: string | undefined;

  constructor(code: ErrorCode, message: string, argument?: string) {
    super(message);
    this.name = 'DiffoptError';
    this.code = code;
    this.argument = argument;
  }
}

/** Kernel status codes (crates/core/src/status.rs; never renumbered). */
const STATUS_CODES: Record<number, ErrorCode> = {
  1: 'nonfinite',
  2: 'domain',
  3: 'shape',
  4: 'memory',
  5: 'option',
  6: 'convergence',
};

const STATUS_TEXT: Record<ErrorCode, string> = {
  nonfinite: 'contains NaN or Infinity',
  domain: 'is outside its domain',
  shape: 'has a length or shape that does not match',
  memory: 'needs more memory than wasm could provide',
  option: 'has an unknown option value',
  convergence: 'made the iterative solver stop before converging',
  'not-initialized': '',
  type: '',
  size: '',
  trap: '',
  freed: '',
  load: '',
};

/**
 * Turns a kernel's status into a DiffoptError. The low byte is the status,
 * the next byte the index of the offending argument in `argNames` (arrays in
 * ABI order, then the scalars the kernel checks). `hints` adds what the
 * argument must satisfy, e.g. `{ w: 'it must be sorted in decreasing order' }`.
 */
export function statusError(
  fn: string,
  status: number,
  argNames: readonly string[],
  hints: Readonly<Record<string, string>> = {},
): DiffoptError {
  const code = STATUS_CODES[status & 0xff] ?? 'trap';
  const arg = argNames[(status >> 8) & 0xff] ?? argNames[0];
  const hint = hints[arg] ? ` (${hints[arg]})` : '';
  return new DiffoptError(code, `${fn}: ${arg} ${STATUS_TEXT[code] || 'was refused'}${hint}`, arg);
}
