// Deno check that the default entry works when imported by URL with no
// permission at all except importing from the test server. Not a uvu file:
// scripts/test-all.mjs serves the repository's dist/ on 127.0.0.1:PORT and runs,
// from an empty temporary directory with an empty DENO_DIR,
//   deno run --no-config --no-lock --no-prompt --allow-import=127.0.0.1:PORT deno-url.mjs PORT < cases.json
// cases.json: [{ name, op: 'softRank'|'softSort', x, options, expected }].
// Prints one `RESULT {json}` line per test and `DONE` at the end.
const port = Number(Deno.args[0]);
const list = JSON.parse(await new Response(Deno.stdin.readable).text());
const report = (name, ok, detail) => console.log('RESULT ' + JSON.stringify(detail ? { name, ok, detail } : { name, ok }));
const text = (e) => String((e && e.stack) || e);

function expectClose(actual, expected, rtol = 1e-9, atol = 1e-12) {
  if (!(actual instanceof Float64Array)) {
    throw new Error(`expected a Float64Array, got ${Object.prototype.toString.call(actual)}`);
  }
  const ok =
    actual.length === expected.length &&
    expected.every((e, i) => Math.abs(actual[i] - e) <= atol + rtol * Math.abs(e));
  if (!ok) throw new Error(`got [${Array.from(actual).join(', ')}], expected [${expected.join(', ')}]`);
}

let lib = null;
const url = `http://127.0.0.1:${port}/dist/index.js`;
try {
  lib = await import(url);
  report(`import ${url}`, true);
} catch (e) {
  report(`import ${url}`, false, text(e));
}
if (lib) {
  let ready = false;
  try {
    await lib.init();
    ready = true;
    report('await init() with no argument (inlined wasm)', true);
  } catch (e) {
    report('await init() with no argument (inlined wasm)', false, text(e));
  }
  if (ready) {
    for (const c of list) {
      try {
        expectClose(lib[c.op](c.x, c.options), c.expected);
        report(c.name, true);
      } catch (e) {
        report(c.name, false, text(e));
      }
    }
  }
}
console.log('DONE');
