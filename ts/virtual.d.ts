// Virtual modules resolved by rollup.config.mjs.
declare module 'diffopt:wasm-base64' {
  const base64: string;
  export default base64;
}
declare module 'diffopt:wasm-module' {
  const module: WebAssembly.Module;
  export default module;
}
