#!/usr/bin/env bash
# Idempotent setup of a fresh Debian machine for building and testing diffopt
# (run as root, or as a user with sudo). Needs only Debian's apt repositories
# and the npm registry:
#   1. apt: rustc-web cargo-web rust-web-src lld-22 (wasm32 std built from source,
#      see scripts/build-wasm.mjs) and chromium (browser tests). Skipped when all
#      are installed already.
#   2. npm ci (npm install when there is no package-lock.json); skipped when
#      node_modules already matches the lockfile, unless SETUP_FORCE_NPM=1.
#   3. checks that the deno and bun binaries from npm work, and repairs them from
#      their platform packages (@deno/*, @oven/bun-*) when the packages'
#      postinstall scripts did not run.
#   4. npm run build (dist/).
# Native `cargo test` uses rustup's stable cargo, which the machine already has.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

say() { printf '\n[setup] %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# ---------------------------------------------------------------- apt
APT_PACKAGES=(rustc-web cargo-web rust-web-src lld-22 chromium)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  apt_retry() {
    local i
    for i in 1 2 3; do
      if "$@"; then return 0; fi
      echo "[setup] '$*' failed (attempt $i), retrying in 10 s" >&2
      sleep 10
    done
    return 1
  }
  apt_retry $SUDO apt-get -o DPkg::Lock::Timeout=300 update -q
  apt_retry $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -q "${missing[@]}"
else
  say "apt packages present: ${APT_PACKAGES[*]}"
fi

# ---------------------------------------------------------------- npm
if [ -f package-lock.json ]; then
  if [ "${SETUP_FORCE_NPM:-0}" != "1" ] && [ -f node_modules/.package-lock.json ] &&
    [ node_modules/.package-lock.json -nt package-lock.json ] &&
    [ node_modules/.package-lock.json -nt package.json ]; then
    say "node_modules is up to date with package-lock.json (SETUP_FORCE_NPM=1 reinstalls)"
  else
    say "npm ci"
    npm ci --include=dev --include=optional --no-audit --no-fund
  fi
else
  say "npm install (no package-lock.json)"
  npm install --include=dev --include=optional --no-audit --no-fund
fi

# ---------------------------------------------------------------- deno and bun binaries
# Both npm packages ship their binaries in optional platform packages; their
# postinstall scripts only move/link them into place. If a postinstall did not
# run (npm's script policy, --ignore-scripts), link the binary from the
# platform package so node_modules/.bin/{deno,bun} work without any download.
works() { "$1" --version >/dev/null 2>&1; }

arch="$(node -p 'process.arch')"
if ! works node_modules/.bin/deno; then
  say "repairing node_modules/.bin/deno"
  (cd node_modules/deno && node install.cjs) || true
  if ! works node_modules/.bin/deno; then
    for d in "node_modules/@deno/linux-${arch}-glibc/deno" "node_modules/@deno/linux-${arch}/deno"; do
      if [ -x "$d" ]; then
        ln -f "$d" node_modules/deno/deno 2>/dev/null || cp -f "$d" node_modules/deno/deno
        chmod +x node_modules/deno/deno
        ln -sfn ../deno/deno node_modules/.bin/deno
        break
      fi
    done
  fi
fi
if ! works node_modules/.bin/bun; then
  say "repairing node_modules/.bin/bun"
  bun_arch="x64"
  if [ "$arch" = "arm64" ]; then bun_arch="aarch64"; fi
  for b in "node_modules/@oven/bun-linux-${bun_arch}/bin/bun" "node_modules/@oven/bun-linux-${bun_arch}-baseline/bin/bun"; do
    if [ -x "$b" ] && works "$b"; then
      ln -f "$b" node_modules/bun/bin/bun.exe 2>/dev/null || cp -f "$b" node_modules/bun/bin/bun.exe
      chmod +x node_modules/bun/bin/bun.exe
      ln -sfn ../bun/bin/bun.exe node_modules/.bin/bun
      break
    fi
  done
  if ! works node_modules/.bin/bun; then (cd node_modules/bun && node install.js) || true; fi
fi
for tool in deno bun; do
  if ! works "node_modules/.bin/$tool"; then
    echo "[setup] node_modules/.bin/$tool does not run; reinstall with: SETUP_FORCE_NPM=1 bash scripts/setup.sh" >&2
    exit 1
  fi
done

# ---------------------------------------------------------------- versions
say "toolchain"
echo "node $(node --version), npm $(npm --version)"
echo "deno: $(node_modules/.bin/deno --version | head -n1)"
echo "bun: $(node_modules/.bin/bun --version)"
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
echo "native cargo: $( (command -v cargo && cargo --version) 2>/dev/null | tr '\n' ' ' || echo missing)"
echo "wasm cargo: $(/usr/bin/cargo --version 2>/dev/null || echo missing)"

# ---------------------------------------------------------------- build
say "npm run build"
npm run build
