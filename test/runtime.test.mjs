// The runtime: entry points, init sources, the WasmArray handle, memory
// growth, leaks and recovery from a trap.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as full from '../dist/index.js';
import * as slim from '../dist/slim.js';
import { throwsCode } from './helpers/numeric.mjs';

const { init, softRank, softSort, WasmArray, wasmMemoryBytes } = full;
await init();

test('slim entry: operators before init throw not-initialized', () => {
  assert.not.ok(slim.isInitialized());
  const e = throwsCode(() => slim.softRank([1, 2]), 'not-initialized');
  assert.match(e.message, 'init()');
  throwsCode(() => slim.initSync(), 'load', 'source', 'slim has no bundled module');
});

test('slim entry: bad sources reject with typed errors, and init can be retried', async () => {
  const rejects = async (source, code) => {
    try {
      await slim.init(source);
    } catch (e) {
      assert.is(e.name, 'DiffoptError', String(e));
      assert.is(e.code, code, e.message);
      return;
    }
    assert.unreachable(`init(${String(source)}) should reject`);
  };
  await rejects(42, 'type');
  await rejects(new Uint8Array([1, 2, 3]), 'load'); // not wasm at all
  await rejects(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]), 'load'); // an empty module, not diffopt.wasm
  assert.not.ok(slim.isInitialized());
});

test('slim entry: init from a URL next to the package, then works', async () => {
  const url = new URL('../dist/diffopt.wasm', import.meta.url);
  await slim.init(url);
  assert.ok(slim.isInitialized());
  assert.equal(Array.from(slim.softRank([0.3, -1, 2], { strength: 0.1 })), [2, 1, 3]);
  await slim.init(); // idempotent, even without a source
});

test('WasmArray: zero-copy in and out, free twice is a no-op, use after free', () => {
  const x = WasmArray.from([0.3, -1, 2]);
  const out = WasmArray.zeros(3);
  const res = softRank(x, { strength: 0.1, out });
  assert.equal(Array.from(res), [2, 1, 3]);
  assert.equal(Array.from(out.view), [2, 1, 3]);
  assert.equal(Array.from(out.toFloat64Array()), [2, 1, 3]);
  throwsCode(() => softRank(x, { out: x }), 'option', 'out', 'aliasing');
  x.free();
  x.free();
  assert.not.ok(x.alive);
  throwsCode(() => softRank(x), 'freed');
  throwsCode(() => x.view, 'freed');
  out[Symbol.dispose ?? Symbol.for('Symbol.dispose')]();
  assert.not.ok(out.alive);
  throwsCode(() => WasmArray.zeros(-1), 'shape', 'length');
});

test('views survive memory growth (re-derived, never stale)', () => {
  const a = WasmArray.from([1, 2, 3]);
  const before = wasmMemoryBytes();
  const big = WasmArray.zeros(4_000_000); // 32 MB: forces memory.grow
  assert.ok(wasmMemoryBytes() > before, 'memory grew');
  assert.equal(Array.from(a.view), [1, 2, 3]);
  assert.is(a.view.length, 3);
  // an operator call with a large scratch frame grows memory again
  const x = new Float64Array(1_500_000).map((_, i) => Math.sin(i));
  softRank(x);
  assert.equal(Array.from(a.view), [1, 2, 3]);
  big.free();
  a.free();
});

test('no growth across 10^5 calls (scratch is reused, handles freed)', () => {
  const x = Float64Array.from([0.5, -1, 2, 0.25, 3, -2, 1, 0]);
  const g = Float64Array.from([1, 0, -1, 2, 0, 1, 0.5, -0.5]);
  for (let i = 0; i < 2000; i++) softRank.vjp(x)[1](g); // warm the arena
  const before = wasmMemoryBytes();
  for (let i = 0; i < 100_000; i++) {
    if (i % 4 === 0) softSort.vjp(x, { regularization: 'kl' })[1](g);
    else if (i % 4 === 1) softRank(x);
    else if (i % 4 === 2) full.spearman.valueAndGrad(x, g);
    else WasmArray.from(x).free();
  }
  assert.is(wasmMemoryBytes(), before);
});

test('a trap becomes a typed error and the next call runs on a fresh instance', () => {
  // White-box: point a handle far outside linear memory so the kernel's
  // first load traps, as a kernel bug would.
  const x = WasmArray.from([1, 2, 3]);
  x.owned.ptr = 0xfffffff0;
  throwsCode(() => softRank(x), 'trap');
  // the old handle belongs to the dead instance
  throwsCode(() => x.view, 'freed');
  assert.equal(Array.from(softRank([0.3, -1, 2], { strength: 0.1 })), [2, 1, 3]);
});

test.run();
