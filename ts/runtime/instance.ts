/**
 * Loading the wasm module and owning the live instance.
 *
 * One `.wasm` with a raw C ABI and no imports loads the same way everywhere;
 * only where the bytes come from differs per entry point (inlined, a URL, or
 * a precompiled `WebAssembly.Module` on edge runtimes that refuse to compile
 * bytes). The compiled module is kept so that a trapped instance can be
 * replaced synchronously by a fresh one.
 * @module
 */
import { DiffoptError } from './errors.js';

/**
 * The functions every diffopt.wasm exports (crates/wasm/src/lib.rs). Each
 * family module declares its own kernel signatures and reads them with
 * {@link kernels}, so adding a family never touches this file.
 */
export interface Exports {
  readonly memory: WebAssembly.Memory;
  diffopt_abi_version(): number;
  diffopt_alloc(bytes: number): number;
  diffopt_free(ptr: number, bytes: number): void;
  /** Family kernels, typed by each family module (e.g. `SortKernels` in sort.ts). */
  readonly [kernel: string]: unknown;
}

/** The ABI version this JavaScript build speaks (crates/wasm ABI_VERSION). */
export const ABI_VERSION = 2;

/** Anything `init` can load the module from. */
export type InitSource =
  | WebAssembly.Module
  | ArrayBuffer
  | ArrayBufferView
  | URL
  | string
  | Response
  | PromiseLike<Response>;

/** Anything `initSync` can load the module from. */
export type SyncInitSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView;

/** A live instance. `generation` changes whenever the instance is replaced. */
export interface Live {
  readonly module: WebAssembly.Module;
  readonly exports: Exports;
  readonly generation: number;
}

let live: Live | null = null;
let pending: Promise<void> | null = null;
let generation = 0;
let defaultSource: (() => SyncInitSource) | null = null;
const resetHooks: Array<() => void> = [];

/** Entry points call this to say where the module comes from by default. */
export function setDefaultSource(source: () => SyncInitSource): void {
  defaultSource = source;
}

/** Registers a callback run whenever the instance is replaced. */
export function onReset(hook: () => void): void {
  resetHooks.push(hook);
}

function adopt(module: WebAssembly.Module): void {
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, {});
  } catch (err) {
    throw asLoadError('init', err);
  }
  const exports = instance.exports as unknown as Exports;
  if (typeof exports.diffopt_abi_version !== 'function') {
    throw new DiffoptError('load', 'init: this WebAssembly module is not diffopt.wasm');
  }
  const v = exports.diffopt_abi_version();
  if (v !== ABI_VERSION) {
    throw new DiffoptError('load', `init: diffopt.wasm speaks ABI ${v} but this build expects ${ABI_VERSION}; use the .wasm shipped with this package version`);
  }
  generation += 1;
  live = { module, exports, generation };
  for (const hook of resetHooks) hook();
}

function isBytes(x: unknown): x is ArrayBuffer | ArrayBufferView {
  return x instanceof ArrayBuffer || ArrayBuffer.isView(x);
}

function hasResponse(): boolean {
  return typeof Response !== 'undefined';
}

async function readUrl(url: URL): Promise<ArrayBuffer> {
  try {
    const res = await fetch(url);
    return await responseBytes(res);
  } catch (err) {
    // Node's fetch has no file: scheme; read the file instead. The specifier
    // is a variable so bundlers for browsers do not try to resolve it.
    if (url.protocol === 'file:') {
      const spec = 'node:fs/promises';
      const fs = (await import(/* @vite-ignore */ spec)) as { readFile(u: URL): Promise<Uint8Array> };
      const buf = await fs.readFile(url);
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    }
    throw err;
  }
}

async function responseBytes(res: Response): Promise<ArrayBuffer> {
  if (!res.ok) {
    throw new DiffoptError('load', `init: fetching the wasm module failed with HTTP ${res.status} (${res.url})`);
  }
  return res.arrayBuffer();
}

async function compile(source: InitSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (isBytes(source)) return WebAssembly.compile(source as BufferSource);
  if (typeof source === 'string' || source instanceof URL) {
    return WebAssembly.compile(await readUrl(new URL(source)));
  }
  if (hasResponse() && source instanceof Response) return WebAssembly.compile(await responseBytes(source));
  if (source && typeof (source as PromiseLike<Response>).then === 'function') {
    return WebAssembly.compile(await responseBytes(await source));
  }
  throw new DiffoptError('type', 'init: source must be a WebAssembly.Module, bytes, a URL or string, or a Response', 'source');
}

/** Compile failures (bad bytes, refused by the host) as `load` errors. */
function asLoadError(fn: string, err: unknown): unknown {
  if (err instanceof DiffoptError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new DiffoptError('load', `${fn}: could not compile the wasm module: ${msg}`, 'source');
}

function defaultOrThrow(fn: string): SyncInitSource {
  if (!defaultSource) {
    throw new DiffoptError('load', `${fn}: this entry point bundles no wasm; pass the module, its bytes or its URL (e.g. new URL('diffopt/diffopt.wasm', import.meta.url))`, 'source');
  }
  return defaultSource();
}

/**
 * Loads and instantiates the wasm kernels. Idempotent: later calls return
 * the same promise; after a failure the next call tries again.
 *
 * @param source Where to load the module from. The default entry point has
 *   the module inlined and needs no argument; `diffopt/slim` needs one.
 * @example
 * ```ts
 * import { init, softRank } from 'diffopt';
 * await init();
 * softRank([3, 1, 2]); // Float64Array [3, 1, 2]
 * ```
 */
export function init(source?: InitSource): Promise<void> {
  if (live) return Promise.resolve();
  if (!pending) {
    pending = (async () => {
      let module: WebAssembly.Module;
      try {
        module = await compile(source ?? defaultOrThrow('init'));
      } catch (err) {
        throw asLoadError('init', err);
      }
      if (!live) adopt(module);
    })();
    pending.catch(() => {
      pending = null;
    });
  }
  return pending;
}

/**
 * Synchronous {@link init} for hosts that cannot await (a module, or bytes
 * small enough to compile on this thread). Idempotent.
 * @example
 * ```ts
 * import { initSync, softSort } from 'diffopt';
 * initSync();
 * softSort([3, 1, 2]); // Float64Array [1, 2, 3] (soft, strength 1)
 * ```
 */
export function initSync(source?: SyncInitSource): void {
  if (live) return;
  const src = source ?? defaultOrThrow('initSync');
  if (src instanceof WebAssembly.Module) {
    adopt(src);
  } else if (isBytes(src)) {
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(src as BufferSource);
    } catch (err) {
      throw asLoadError('initSync', err);
    }
    adopt(module);
  } else {
    throw new DiffoptError('type', 'initSync: source must be a WebAssembly.Module or bytes', 'source');
  }
}

/**
 * Bytes of linear memory held by the live instance (0 before init): for
 * checking that a long-running loop does not grow memory.
 * @example
 * ```ts
 * import { init, wasmMemoryBytes } from 'diffopt';
 * await init();
 * wasmMemoryBytes(); // e.g. 1179648
 * ```
 */
export function wasmMemoryBytes(): number {
  return live ? live.exports.memory.buffer.byteLength : 0;
}

/**
 * True once `init`/`initSync` has finished.
 *
 * @example
 * ```ts
 * import { init, isInitialized } from 'diffopt';
 * if (!isInitialized()) await init(); // init() is idempotent anyway
 * isInitialized(); // true
 * ```
 */
export function isInitialized(): boolean {
  return live !== null;
}

/** The live instance, or a `not-initialized` error naming the operator. */
export function current(fn: string): Live {
  if (!live) {
    throw new DiffoptError('not-initialized', `${fn}: diffopt is not initialized; call \`await init()\` (or \`initSync()\`) first`);
  }
  return live;
}

/**
 * Runs `body` against the live instance. A wasm trap is turned into a
 * `trap` DiffoptError and the instance is replaced, so the next call runs on
 * fresh memory (every WasmArray of the old instance becomes invalid).
 */
export function guarded<T>(fn: string, body: (ex: Exports, gen: number) => T): T {
  const l = current(fn);
  try {
    return body(l.exports, l.generation);
  } catch (err) {
    if (err instanceof WebAssembly.RuntimeError) {
      adopt(l.module);
      throw new DiffoptError('trap', `${fn}: the wasm kernel trapped (${err.message}); diffopt restarted on a fresh instance, please report this`);
    }
    throw err;
  }
}

/** The exports seen through a family's kernel signatures. */
export function kernels<K>(ex: Exports): K & Exports {
  return ex as unknown as K & Exports;
}
