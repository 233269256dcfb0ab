/**
 * diffopt without the inlined module: pass the module, its bytes, its URL or
 * a Response to `init` (e.g. `await init(new URL('diffopt/diffopt.wasm',
 * import.meta.url))`). The smallest bundle for apps that serve the `.wasm`.
 * @module
 */
export * from './api.js';
