// The trend chart, drawn as inline SVG (no library): bars for calls per day, a line for the
// connection rate (right axis, 0–100 %).

const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** rows: [{date, calls, duration, connectionRate}] oldest first. */
export function trendChart(rows) {
  const W = 900; const H = 240;
  const left = 40; const right = 40; const top = 14; const bottom = 28;
  const plotW = W - left - right; const plotH = H - top - bottom;
  const max = Math.max(4, ...rows.map((r) => Number(r.calls) || 0));
  const step = niceStep(max);
  const yMax = Math.ceil(max / step) * step;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': '通话趋势' });

  for (let v = 0; v <= yMax; v += step) {
    const y = top + plotH - (v / yMax) * plotH;
    svg.append(s('line', { x1: left, x2: W - right, y1: y, y2: y, class: 'axis', 'stroke-dasharray': v ? '3 3' : '' }));
    svg.append(s('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, String(v)));
  }
  for (const pct of [0, 50, 100]) {
    const y = top + plotH - (pct / 100) * plotH;
    svg.append(s('text', { x: W - right + 6, y: y + 4 }, `${pct}%`));
  }

  const slot = plotW / Math.max(1, rows.length);
  const barW = Math.max(2, Math.min(28, slot * 0.6));
  const labelEvery = Math.ceil(rows.length / 10);
  const points = [];
  rows.forEach((r, i) => {
    const calls = Number(r.calls) || 0;
    const x = left + slot * i + slot / 2;
    const barH = (calls / yMax) * plotH;
    const bar = s('rect', { class: 'bar', x: x - barW / 2, y: top + plotH - barH, width: barW, height: Math.max(barH, 0) });
    bar.append(s('title', {}, `${r.date}：${calls} 通，接通率 ${r.connectionRate ?? 0}%`));
    svg.append(bar);
    points.push(`${x},${top + plotH - ((Number(r.connectionRate) || 0) / 100) * plotH}`);
    if (i % labelEvery === 0) svg.append(s('text', { x, y: H - 8, 'text-anchor': 'middle' }, String(r.date).slice(5)));
  });
  if (points.length) svg.append(s('polyline', { class: 'rate', points: points.join(' ') }));
  return svg;
}

function niceStep(max) {
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw) || raw;
}
