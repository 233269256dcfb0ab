/**
 * diffopt — the default entry point: the wasm module is inlined (base64), so
 * `await init()` needs no argument, no file access and no network. Works in
 * Node, Bun, Deno (also imported by URL, with no permissions) and browsers.
 * @module
 */
import wasmBase64 from 'diffopt:wasm-base64';
import { setDefaultSource } from './runtime/instance.js';

setDefaultSource(() => {
  const text = atob(wasmBase64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
});

export * from './api.js';
