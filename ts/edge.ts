/**
 * diffopt for edge runtimes (workerd / Cloudflare Workers, Vercel Edge):
 * they refuse to compile wasm from bytes, so the module is imported as a
 * precompiled `WebAssembly.Module` (`diffopt.wasm` beside this file) and
 * `initSync()` / `init()` need no argument.
 * @module
 */
import wasmModule from 'diffopt:wasm-module';
import { setDefaultSource } from './runtime/instance.js';

setDefaultSource(() => wasmModule);

export * from './api.js';
