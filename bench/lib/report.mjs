// Reporting for bench/*.mjs: time and ratio formatting, the ratio tables,
// targets (PASS/MISS), machine facts and the JSON results.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, relative } from 'node:path';
import { rustcVersion } from './native.mjs';
import { log } from './timing.mjs';

/** Human-readable time from nanoseconds ('—' for null). */
export function fmtTime(ns) {
  if (ns == null) return '—';
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
}

/** Human-readable time from milliseconds. */
export const fmtMs = (t) => (t < 1 ? `${(t * 1000).toFixed(0)} µs` : t < 100 ? `${t.toFixed(2)} ms` : `${t.toFixed(0)} ms`);

export const fmtRatio = (r) => (r == null ? '—' : r >= 100 ? r.toFixed(0) : r.toFixed(2));

/**
 * Prints an aligned table to stdout: `head` and `rows` are arrays of cell
 * strings (first column left-aligned, the others right-aligned); a blank line
 * separates rows whose `groups[i]` differ; `notes` are printed after it.
 */
export function printTable(head, rows, { groups = [], notes = [] } = {}) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log('');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (let i = 0; i < rows.length; i++) {
    if (i > 0 && groups[i] !== groups[i - 1]) console.log('');
    console.log(line(rows[i]));
  }
  if (notes.length) console.log(`\n${notes.join('\n')}`);
}

/**
 * A target over `rows` (results with `key` null are left out): every
 * `row[key]` at most `limit`, or at least with `atLeast`. Returns
 * { target, limit, pass, worst: { case, value }, failing } or null if no row
 * has the key.
 */
export function checkTarget({ target, limit, rows, key, label, atLeast = false }) {
  const rs = rows.filter((r) => r[key] != null);
  if (!rs.length) return null;
  const ok = (v) => (atLeast ? v >= limit : v <= limit);
  const worse = (a, b) => (atLeast ? b[key] < a[key] : b[key] > a[key]);
  const worst = rs.reduce((a, b) => (worse(a, b) ? b : a));
  return {
    target, limit,
    pass: rs.every((r) => ok(r[key])),
    worst: { case: label(worst), value: worst[key] },
    failing: rs.filter((r) => !ok(r[key])).map((r) => `${label(r)}: ${r[key].toFixed(2)}`),
  };
}

export function printTargets(targets) {
  console.log('');
  for (const t of targets) {
    console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.target}  (worst: ${t.worst.case} = ${t.worst.value.toFixed(2)})`);
    for (const f of t.failing) console.log(`        ${f}`);
  }
}

/** Machine facts stored beside the results. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? null,
    cores: cpus.length,
    memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.versions.node,
    v8: process.versions.v8,
    rustc_native: rustcVersion(),
    loadavg_at_end: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** A previous results file (the committed baseline), or null. */
export function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Writes the results JSON (creating its folder) and says where. */
export function writeJson(file, report, indent = 1) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(report, null, indent) + '\n');
  log(`\n[bench] wrote ${relative(process.cwd(), file) || file}`);
}
