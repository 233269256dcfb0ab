/**
 * Memory in the wasm instance: typed-array views, a per-call scratch arena
 * and the {@link WasmArray} handle for zero-copy hot loops.
 *
 * Views are always derived from `memory.buffer` at the moment of use: when
 * memory grows, old views become zero-length, so nothing here caches a view
 * across an allocation.
 * @module
 */
import { DiffoptError } from './errors.js';
import { current, guarded, onReset, type Exports } from './instance.js';

const ALIGN = 16;
/** Largest single request: wasm32 memory is 4 GiB; leave room for the rest. */
export const MAX_BYTES = 2 ** 31;

const align = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN;

/** A Float64Array over wasm memory at `ptr` (fresh; never stale). */
export function f64At(ex: Exports, ptr: number, len: number): Float64Array {
  return new Float64Array(ex.memory.buffer, ptr, len);
}

/** A Uint32Array over wasm memory at `ptr` (fresh; never stale). */
export function u32At(ex: Exports, ptr: number, len: number): Uint32Array {
  return new Uint32Array(ex.memory.buffer, ptr, len);
}

/**
 * Scratch for one call: one region from the wasm allocator, kept between
 * calls and grown geometrically, carved into aligned slots per call.
 */
class Arena {
  private base = 0;
  private cap = 0;
  constructor(private readonly ex: Exports) {}

  /** Returns one pointer per requested byte size, valid until the next frame. */
  frame(fn: string, sizes: readonly number[]): number[] {
    let total = 0;
    for (const s of sizes) total += align(s);
    if (total > MAX_BYTES) {
      throw new DiffoptError('size', `${fn}: the request needs ${total} bytes of wasm memory, more than the ${MAX_BYTES}-byte limit; split the batch`);
    }
    if (total > this.cap) {
      if (this.base) this.ex.diffopt_free(this.base, this.cap);
      this.base = 0;
      this.cap = 0;
      const cap = Math.max(total, 1 << 16);
      const p = this.ex.diffopt_alloc(cap);
      if (!p) throw new DiffoptError('memory', `${fn}: wasm memory could not grow by ${cap} bytes`);
      this.base = p;
      this.cap = cap;
    }
    const ptrs: number[] = [];
    let off = this.base;
    for (const s of sizes) {
      ptrs.push(s > 0 ? off : 0);
      off += align(s);
    }
    return ptrs;
  }
}

let arena: Arena | null = null;
let arenaOwner: Exports | null = null;
onReset(() => {
  arena = null;
  arenaOwner = null;
});

/** The scratch arena of the live instance. */
export function scratch(ex: Exports): Arena {
  if (!arena || arenaOwner !== ex) {
    arena = new Arena(ex);
    arenaOwner = ex;
  }
  return arena;
}

interface Owned {
  ptr: number;
  bytes: number;
  generation: number;
}

const registry: FinalizationRegistry<Owned> | null =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Owned>((o) => release(o))
    : null;

function release(o: Owned): void {
  if (!o.ptr) return;
  try {
    const l = current('WasmArray.free');
    if (l.generation === o.generation) l.exports.diffopt_free(o.ptr, o.bytes);
  } catch {
    // not initialized any more: nothing to release
  }
  o.ptr = 0;
}

const disposeSymbol: symbol =
  (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose');

/**
 * A Float64Array that lives in wasm memory, so operators read it and write
 * it without copying. Free it with `free()` (or `using`/`Symbol.dispose`);
 * a FinalizationRegistry frees forgotten ones eventually, as a fallback only.
 *
 * @example
 * ```ts
 * import { init, WasmArray, softRank } from 'diffopt';
 * await init();
 * const x = WasmArray.from([0.3, -1, 2]);
 * const r = WasmArray.zeros(3);
 * softRank(x, { out: r });   // no copies in or out
 * console.log(r.view);       // Float64Array [2, 1, 3]
 * x.free(); r.free();
 * ```
 */
export class WasmArray {
  readonly length: number;
  private readonly owned: Owned;
  private cached: Float64Array | null = null;

  private constructor(length: number) {
    if (!Number.isInteger(length) || length < 0) {
      throw new DiffoptError('shape', `WasmArray: length must be a non-negative integer, got ${length}`, 'length');
    }
    if (length * 8 > MAX_BYTES) {
      throw new DiffoptError('size', `WasmArray: ${length} elements exceed the ${MAX_BYTES}-byte limit`, 'length');
    }
    this.length = length;
    this.owned = guarded('WasmArray', (ex, generation) => {
      const bytes = Math.max(length * 8, 8);
      const ptr = ex.diffopt_alloc(bytes);
      if (!ptr) throw new DiffoptError('memory', `WasmArray: wasm memory could not grow by ${bytes} bytes`);
      f64At(ex, ptr, length).fill(0);
      return { ptr, bytes, generation };
    });
    registry?.register(this, this.owned, this.owned);
  }

  /** A zero-filled array of `length` elements. */
  static zeros(length: number): WasmArray {
    return new WasmArray(length);
  }

  /** A copy of `data` in wasm memory. */
  static from(data: ArrayLike<number>): WasmArray {
    const a = new WasmArray(data.length);
    a.view.set(data);
    return a;
  }

  /** True until `free()` (or an instance reset after a trap). */
  get alive(): boolean {
    return this.owned.ptr !== 0 && current('WasmArray').generation === this.owned.generation;
  }

  /** Address in wasm memory; throws `freed` if the array is gone. */
  pointer(fn = 'WasmArray'): number {
    if (!this.alive) {
      throw new DiffoptError('freed', `${fn}: this WasmArray was freed (or its instance was reset after a trap)`);
    }
    return this.owned.ptr;
  }

  /**
   * A live Float64Array over the data. Re-derived whenever wasm memory has
   * grown, so it is never a stale zero-length view; do not keep it across
   * other diffopt calls — read `view` again instead.
   */
  get view(): Float64Array {
    const ptr = this.pointer('WasmArray.view');
    const buf = current('WasmArray.view').exports.memory.buffer;
    if (!this.cached || this.cached.buffer !== buf || this.cached.byteLength !== this.length * 8) {
      this.cached = new Float64Array(buf, ptr, this.length);
    }
    return this.cached;
  }

  /** A copy of the data in ordinary JavaScript memory. */
  toFloat64Array(): Float64Array {
    return this.view.slice();
  }

  /** Releases the memory. A second call does nothing. */
  free(): void {
    if (this.owned.ptr === 0) return;
    registry?.unregister(this.owned);
    release(this.owned);
    this.cached = null;
  }

  [disposeSymbol](): void {
    this.free();
  }
}
