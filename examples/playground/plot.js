// A few SVG plotting helpers: enough for line charts, bars and a heat map,
// with no dependency (the playground ships as one small bundle).
const NS = 'http://www.w3.org/2000/svg';
export const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#475569'];
const PAD = { left: 38, right: 10, top: 18, bottom: 26 };

/** Creates an SVG element with attributes (and optional text). */
export function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text != null) node.textContent = text;
  return node;
}

function extent(values, fallback = [0, 1]) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (!Number.isFinite(lo)) return fallback;
  if (hi - lo < 1e-12) return [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

// Large values (the Lasso's MSE ~ 26000) as integers: 3 significant digits would repeat one label.
const tick = (v) => (Math.abs(v) >= 1000 ? v.toFixed(0) : String(+v.toPrecision(3)));

/**
 * Clears `svg` and draws axes for the given ranges; returns the scales and the
 * plot box so callers can add their own marks.
 */
export function frame(svg, { x, y, title, xlabel, ylabel }) {
  svg.replaceChildren();
  const W = +svg.getAttribute('width');
  const H = +svg.getAttribute('height');
  const box = { x0: PAD.left, x1: W - PAD.right, y0: PAD.top, y1: H - PAD.bottom };
  const sx = (v) => box.x0 + ((v - x[0]) / (x[1] - x[0])) * (box.x1 - box.x0);
  const sy = (v) => box.y1 - ((v - y[0]) / (y[1] - y[0])) * (box.y1 - box.y0);
  svg.append(el('rect', { x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0, fill: 'none', stroke: '#e4e7ec' }));
  for (let i = 0; i <= 4; i++) {
    const vx = x[0] + ((x[1] - x[0]) * i) / 4;
    const vy = y[0] + ((y[1] - y[0]) * i) / 4;
    svg.append(el('text', { x: sx(vx), y: box.y1 + 11, 'text-anchor': 'middle' }, tick(vx)));
    svg.append(el('text', { x: box.x0 - 3, y: sy(vy) + 3, 'text-anchor': 'end' }, tick(vy)));
  }
  if (title) svg.append(el('text', { x: box.x0, y: 12, class: 'title' }, title));
  if (xlabel) svg.append(el('text', { x: (box.x0 + box.x1) / 2, y: H - 2, 'text-anchor': 'middle' }, xlabel));
  if (ylabel) svg.append(el('text', { x: W - PAD.right, y: 12, 'text-anchor': 'end' }, ylabel));
  return { sx, sy, box };
}

/** Line chart: `lines` is a list of y arrays over the shared `xs`; `marker` draws a vertical line. */
export function lineChart(svg, { xs, lines, marker, title, xlabel, ylabel, yRange, colors = COLORS }) {
  const { sx, sy, box } = frame(svg, { x: [xs[0], xs[xs.length - 1]], y: yRange ?? extent(lines.flat()), title, xlabel, ylabel });
  lines.forEach((ys, k) => {
    const d = ys.map((v, i) => `${i ? 'L' : 'M'}${sx(xs[i]).toFixed(1)},${sy(v).toFixed(1)}`).join('');
    svg.append(el('path', { d, fill: 'none', stroke: colors[k % colors.length], 'stroke-width': 1.6 }));
  });
  if (marker != null) svg.append(el('line', { x1: sx(marker), x2: sx(marker), y1: box.y0, y2: box.y1, stroke: '#1d2330', 'stroke-dasharray': '3 3' }));
  return { sx, sy, box };
}

/** Grouped bar chart: `groups[k][i]` is bar k of category i. */
export function barChart(svg, { groups, names, labels, title, yRange = [0, 1] }) {
  const n = groups[0].length;
  const { sx, sy, box } = frame(svg, { x: [0, n], y: yRange, title });
  const slot = (box.x1 - box.x0) / n;
  const w = (slot * 0.8) / groups.length;
  groups.forEach((vals, k) => {
    vals.forEach((v, i) => {
      const top = sy(Math.max(v, yRange[0]));
      svg.append(el('rect', { x: sx(i) + slot * 0.1 + k * w, y: top, width: Math.max(w - 1, 1), height: Math.max(sy(yRange[0]) - top, 0), fill: COLORS[k] }));
    });
  });
  svg.querySelectorAll('text').forEach((t) => {
    if (+t.getAttribute('y') > box.y1) t.remove(); // numeric x ticks mean nothing for categories
  });
  (labels ?? []).forEach((l, i) => svg.append(el('text', { x: sx(i) + slot / 2, y: box.y1 + 11, 'text-anchor': 'middle' }, l)));
  (names ?? []).forEach((name, k) => {
    const x = box.x1 - 95;
    svg.append(el('rect', { x, y: box.y0 + 4 + k * 13, width: 9, height: 9, fill: COLORS[k] }));
    svg.append(el('text', { x: x + 13, y: box.y0 + 12 + k * 13 }, name));
  });
}

/** Heat map of a row-major m × n matrix in [0, 1] (white → blue) inside a box. */
export function heatMap(svg, M, m, n, box) {
  const cw = (box.x1 - box.x0) / n;
  const ch = (box.y1 - box.y0) / m;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = Math.min(Math.max(M[i * n + j], 0), 1);
      const c = (a, b) => Math.round(a + (b - a) * v);
      svg.append(el('rect', {
        x: box.x0 + j * cw, y: box.y0 + i * ch, width: cw + 0.3, height: ch + 0.3,
        fill: `rgb(${c(255, 29)},${c(255, 78)},${c(255, 216)})`,
      }));
      if (cw > 22 && ch > 14) {
        svg.append(el('text', { x: box.x0 + (j + 0.5) * cw, y: box.y0 + (i + 0.5) * ch + 3, 'text-anchor': 'middle', style: `fill:${v > 0.5 ? '#fff' : '#667085'};font-size:8px` }, v.toFixed(2)));
      }
    }
  }
}
