// Builds crates/wasm to dist/diffopt.wasm (wasm32-unknown-unknown, +simd128,
// release, panic=abort) with whichever toolchain this machine has:
//   1. rustup's cargo with the wasm32-unknown-unknown target installed, or
//   2. Debian's rustc-web toolchain, building std from the vendored library
//      sources with -Zbuild-std (works offline: no crates.io needed).
// Neither → a message saying exactly what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const targetDir = join(root, 'target', 'wasm');
const TARGET = 'wasm32-unknown-unknown';
const DEBIAN_CARGO = '/usr/bin/cargo';
const DEBIAN_VENDOR = '/usr/lib/rustlib/src/rust/library/vendor';

function rustupHasWasmTarget() {
  const r = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.split('\n').includes(TARGET);
}

function pickToolchain() {
  if (rustupHasWasmTarget()) {
    return { name: 'rustup', cargo: 'cargo', args: [], env: {} };
  }
  if (existsSync(DEBIAN_CARGO) && existsSync(DEBIAN_VENDOR)) {
    return {
      name: 'debian rustc-web + build-std',
      cargo: DEBIAN_CARGO,
      args: [
        '-Zbuild-std=std,panic_abort',
        '--config', `source.crates-io.replace-with="vendored-std"`,
        '--config', `source.vendored-std.directory="${DEBIAN_VENDOR}"`,
      ],
      // The Debian toolchain is stable; build-std needs the bootstrap switch.
      env: { RUSTC_BOOTSTRAP: '1', RUSTC: '/usr/bin/rustc' },
    };
  }
  console.error(
    'diffopt: no Rust toolchain for wasm32-unknown-unknown found.\n' +
      'Install one of:\n' +
      '  * Debian/Ubuntu (offline-friendly): apt-get install -y rustc-web cargo-web rust-web-src lld-22\n' +
      '    (or run: bash scripts/setup.sh)\n' +
      '  * rustup: rustup target add wasm32-unknown-unknown',
  );
  process.exit(1);
}

const tc = pickToolchain();
console.log(`[build-wasm] toolchain: ${tc.name}`);
const env = {
  ...process.env,
  ...tc.env,
  CARGO_TARGET_DIR: targetDir,
  // SIMD128 only (no relaxed-simd: its results may differ between engines).
  RUSTFLAGS: '-C target-feature=+simd128',
};
execFileSync(
  tc.cargo,
  ['build', '--release', '--target', TARGET, '-p', 'diffopt-wasm', ...tc.args],
  { cwd: root, env, stdio: 'inherit' },
);
const built = join(targetDir, TARGET, 'release', 'diffopt_wasm.wasm');
mkdirSync(join(root, 'dist'), { recursive: true });
const dest = join(root, 'dist', 'diffopt.wasm');
copyFileSync(built, dest);
console.log(`[build-wasm] ${dest} (${statSync(dest).size} bytes)`);
