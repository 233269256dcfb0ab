// workerd (Cloudflare Workers runtime) check of diffopt's edge entry point.
// Not a uvu file: scripts/test-all.mjs bundles it with esbuild
// (--bundle --format=esm --conditions=workerd,worker,browser --loader:.wasm=copy),
// runs it in workerd through miniflare with the rule
// { type: 'CompiledWasm', include: ['**/*.wasm'] }, and sends it requests on
// 127.0.0.1; every entry of the JSON it answers counts as one test.
//
// `import ... from 'diffopt'` is a self-reference: with the `workerd`
// condition, package.json's "exports" must route it to dist/edge.js, which
// imports dist/diffopt.wasm as a precompiled WebAssembly.Module.
//
//   GET  /builtin  proves that this embedder refuses to compile wasm from bytes
//                  (so a working initSync() can only have used the imported
//                  module), then calls initSync() with no argument.
//   POST /cases    [{ name, op: 'softRank'|'softSort', x, options, expected }]
//                  computes each case and compares it (rtol 1e-9, atol 1e-12).
import { init, initSync, softRank, softSort } from 'diffopt';

// The smallest valid module: magic number and version, no sections.
const EMPTY_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const OPS = { softRank, softSort };

async function check(results, name, fn) {
  try {
    const detail = await fn();
    results.push(detail ? { name, ok: true, detail } : { name, ok: true });
  } catch (e) {
    results.push({ name, ok: false, detail: String((e && e.stack) || e) });
  }
}

function expectClose(actual, expected, rtol = 1e-9, atol = 1e-12) {
  if (!(actual instanceof Float64Array)) {
    throw new Error(`expected a Float64Array, got ${Object.prototype.toString.call(actual)}`);
  }
  const ok =
    actual.length === expected.length &&
    expected.every((e, i) => Math.abs(actual[i] - e) <= atol + rtol * Math.abs(e));
  if (!ok) throw new Error(`got [${Array.from(actual).join(', ')}], expected [${expected.join(', ')}]`);
}

async function builtin() {
  const results = [];
  await check(results, 'WebAssembly.validate(bytes) works', () => {
    if (WebAssembly.validate(EMPTY_WASM) !== true) throw new Error('validate() rejected a valid module');
  });
  await check(results, 'new WebAssembly.Module(bytes) is refused (no code generation from bytes)', () => {
    try {
      new WebAssembly.Module(EMPTY_WASM);
    } catch (e) {
      return `refused: ${e.message}`;
    }
    throw new Error('compiling from bytes succeeded: this embedder allows code generation, so this test cannot prove that the edge entry uses the precompiled module');
  });
  await check(results, 'WebAssembly.instantiate(bytes) is refused', async () => {
    try {
      await WebAssembly.instantiate(EMPTY_WASM);
    } catch (e) {
      return `refused: ${e.message}`;
    }
    throw new Error('instantiating from bytes succeeded');
  });
  await check(results, 'initSync() with no argument instantiates the imported module', () => {
    initSync();
  });
  await check(results, 'await init() afterwards is a no-op', async () => {
    await init();
  });
  // (number[] inputs and the golden cases come through POST /cases.)
  await check(results, "softSort(Float64Array [3, 1, 2], { strength: 2, direction: 'descending' }) = [2.5, 2, 1.5]", () =>
    expectClose(softSort(new Float64Array([3, 1, 2]), { strength: 2, direction: 'descending' }), [2.5, 2, 1.5]));
  return results;
}

async function cases(list) {
  const results = [];
  for (const c of list) {
    await check(results, c.name, () => {
      const op = OPS[c.op];
      if (!op) throw new Error(`unknown op ${c.op}`);
      expectClose(op(c.x, c.options), c.expected);
    });
  }
  return results;
}

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    let results;
    if (pathname === '/builtin') results = await builtin();
    else if (pathname === '/cases' && request.method === 'POST') results = await cases(await request.json());
    else return new Response('not found', { status: 404 });
    return new Response(JSON.stringify(results), { headers: { 'content-type': 'application/json' } });
  },
};
