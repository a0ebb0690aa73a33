// Mindnet dashboard: polls the JSON API of `mindnet dashboard` (see API.md) and draws
// the page. Plain browser JavaScript, no dependencies, works offline.
'use strict';

const FAST_MS = 2000; // epoch progress
const SLOW_MS = 6000; // everything else
const HEAT_LIMIT = 48; // neurons in the heatmap and the trust graph
const EDGE_MIN = 0.02; // trust-graph edges: shares above this
// Network parameters the networks table shows (all of them are in the cell's tooltip).
const SHOWN_PARAMS = ['kappa', 'rho', 'max_allowed_uids', 'immunity_period', 'activity_cutoff'];
const COLORS = ['#38bdf8', '#f472b6', '#34d399', '#fbbf24', '#a78bfa', '#fb923c', '#f87171', '#2dd4bf'];

// Metagraph columns: key, header, kind (how to format), sortable server-side.
const COLUMNS = [
  ['uid', 'uid', 'int', true], ['hotkey', 'hotkey', 'key'], ['coldkey', 'coldkey', 'key'],
  ['active', 'active', 'active'], ['stake', 'stake', 'mind', true], ['rank', 'rank', 'frac', true],
  ['trust', 'trust', 'frac', true], ['consensus', 'consensus', 'frac', true],
  ['incentive', 'incentive', 'frac', true], ['dividends', 'dividends', 'frac', true],
  ['emission', 'emission', 'mind', true], ['last_update', 'updated', 'int'], ['axon', 'axon', 'text'],
];

const state = { netuid: null, networks: [], sort: 'uid', desc: false, filter: '', offset: 0, limit: 50, matched: 0, best: 0 };

const $ = (sel) => document.querySelector(sel);

// ---------- formatting ----------
const fmtMind = (x) => (x == null ? '–' : Number(x).toLocaleString('en-US', { maximumFractionDigits: 4 }));
const fmtFrac = (x) => (x == null ? '–' : Number(x).toFixed(4));
const fmtInt = (x) => (x == null ? '–' : Number(x).toLocaleString('en-US'));
const shortKey = (k) => (k && k.length > 12 ? `${k.slice(0, 6)}…${k.slice(-4)}` : k || '–');
/** Compact numbers for chart axes: 1.2k, 3.4M, 0.012. */
function fmtAxis(x) {
  const a = Math.abs(x);
  if (a >= 1e6) return `${+(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${+(x / 1e3).toFixed(1)}k`;
  return `${+x.toPrecision(4)}`;
}

/** An HTML element with attributes and children (strings or nodes). */
function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, v);
  e.append(...children);
  return e;
}
/** An SVG element with attributes and children. */
function s(tag, attrs = {}, ...children) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, v);
  e.append(...children);
  return e;
}
const text = (sel, value) => { $(sel).textContent = value; };

// ---------- colours ----------
/** Linear interpolation through colour stops [[t, [r, g, b]], ...], t in 0..1. */
function ramp(stops, t) {
  t = Math.min(1, Math.max(0, t));
  let k = 1;
  while (k < stops.length - 1 && t > stops[k][0]) k++;
  const [t0, c0] = stops[k - 1];
  const [t1, c1] = stops[k];
  const f = t1 === t0 ? 0 : (t - t0) / (t1 - t0);
  return `rgb(${c0.map((c, i) => Math.round(c + (c1[i] - c) * f)).join(',')})`;
}
const HEAT = [[0, [23, 37, 84]], [0.35, [14, 116, 144]], [0.7, [52, 211, 153]], [1, [250, 204, 21]]];
const TRUST = [[0, [100, 116, 139]], [1, [52, 211, 153]]];
const heatColor = (share) => ramp(HEAT, Math.sqrt(share)); // sqrt: small shares stay visible
$('#heat-scale').style.background = `linear-gradient(90deg, ${[0, 0.25, 0.5, 0.75, 1].map((t) => heatColor(t * t)).join(',')})`;

// ---------- requests and the error banner ----------
const failures = new Map(); // endpoint -> message of its last failure; cleared on success

function showErrors() {
  const banner = $('#error');
  const last = [...failures.values()].pop();
  banner.hidden = !last;
  banner.textContent = last || '';
}

/** GETs `path` (relative, e.g. "api/epoch?netuid=0"), returns its JSON; failures go to #error. */
async function get(path) {
  const endpoint = path.split('?')[0];
  try {
    let res;
    try {
      res = await fetch(path, { cache: 'no-store' });
    } catch (e) {
      throw new Error(`cannot reach the dashboard server (${e.message})`);
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new Error(body?.error || `HTTP ${res.status} ${res.statusText}`);
    if (body === null) throw new Error('the answer is not JSON');
    failures.delete(endpoint);
    showErrors();
    return body;
  } catch (e) {
    failures.delete(endpoint); // re-insert, so that the newest failure is shown
    failures.set(endpoint, `${endpoint}: ${e.message}`);
    showErrors();
    throw e;
  }
}

/** Runs `fn` now and every `ms` after it settles; its errors are already on the banner. */
function every(ms, fn) {
  const tick = async () => {
    try { await fn(); } catch { /* shown in #error */ }
    setTimeout(tick, ms);
  };
  tick();
}

/** Wraps `fn` so that only the answer to the latest call is drawn. */
function latest(fn) {
  let seq = 0;
  return async (...args) => {
    const mine = ++seq;
    const draw = await fn(...args);
    if (mine === seq && draw) draw();
  };
}

// ---------- header and networks ----------
async function refreshChain() {
  const c = await get('api/chain');
  text('#url', c.url);
  state.best = Math.max(state.best, c.best);
  text('#best', fmtInt(state.best));
  text('#finalized', fmtInt(c.finalized));
}

async function refreshNetworks() {
  const { networks } = await get('api/networks');
  state.networks = networks;
  if (!networks.some((n) => n.netuid === state.netuid)) {
    state.netuid = networks.length ? networks[0].netuid : null;
    state.offset = 0;
    refreshEpoch().catch(() => {}); // no need to wait for the next fast poll
  }
  text('#netuid', state.netuid ?? '–');
  const rows = networks.map((n) => {
    const params = Object.entries(n.params || {}).filter(([k]) => k !== 'tempo' && k !== 'neurons');
    const picked = params.filter(([k]) => SHOWN_PARAMS.includes(k));
    const shown = (picked.length ? picked : params).slice(0, 4)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? fmtMind(v) : v}`).join(' · ');
    const tr = h('tr', { 'data-netuid': n.netuid, class: n.netuid === state.netuid ? 'selected' : null },
      h('td', {}, String(n.netuid)), h('td', {}, fmtInt(n.neurons)), h('td', {}, fmtInt(n.tempo)),
      h('td', { class: 'params', title: params.map(([k, v]) => `${k}: ${v}`).join('\n') }, shown + (params.length > 4 ? ' …' : '')));
    tr.addEventListener('click', () => selectNetwork(n.netuid));
    return tr;
  });
  $('#networks tbody').replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'no networks'))]));
}

function selectNetwork(netuid) {
  if (netuid === state.netuid) return;
  state.netuid = netuid;
  state.offset = 0;
  text('#netuid', netuid);
  for (const tr of document.querySelectorAll('#networks tbody tr')) {
    tr.classList.toggle('selected', Number(tr.dataset.netuid) === netuid);
  }
  refreshEpoch().catch(() => {});
  refreshNetwork().catch(() => {});
}

// ---------- epoch ----------
async function refreshEpoch() {
  if (state.netuid === null) return;
  const e = await get(`api/epoch?netuid=${state.netuid}`);
  if (e.netuid !== state.netuid) return;
  const progress = Math.min(1, Math.max(0, Number(e.progress) || 0));
  const bar = $('#epoch-bar');
  bar.dataset.progress = String(e.progress);
  bar.classList.toggle('running', !!e.running);
  bar.firstElementChild.style.width = `${(progress * 100).toFixed(1)}%`;
  const r = e.running;
  text('#epoch-label', r
    ? `running: ${r.phase} (phase ${r.phase_index + 1} of ${r.phases}), cursor ${r.cursor} of ${r.neurons}`
    : e.label);
  text('#epochs', fmtInt(e.epochs));
  text('#tempo', fmtInt(e.tempo));
  text('#last-epoch', e.last_epoch_block ?? '–');
  text('#next-epoch', e.next_epoch_block ?? '–');
  state.best = Math.max(state.best, e.best); // the header's best block moves with the fast poll
  text('#best', fmtInt(state.best));
}

// ---------- metagraph ----------
function buildMetagraphHead() {
  const cells = COLUMNS.map(([key, label, kind, sortable]) => {
    const th = h('th', { 'data-sort': sortable ? key : null, class: kind === 'key' || kind === 'text' ? 'left' : null }, label);
    if (sortable) {
      th.title = `sort by ${label}`;
      th.addEventListener('click', () => {
        if (state.sort === key) state.desc = !state.desc;
        else [state.sort, state.desc] = [key, key !== 'uid'];
        state.offset = 0;
        refreshNeurons().catch(() => {});
      });
    }
    return th;
  });
  $('#metagraph thead').replaceChildren(h('tr', {}, ...cells));
}

function cell(kind, key, value) {
  const td = h('td', { 'data-col': key });
  if (kind === 'key') {
    td.className = 'left';
    td.title = value;
    td.textContent = shortKey(value);
  } else if (kind === 'active') {
    td.append(h('span', { class: value ? 'dot on' : 'dot', title: value ? 'active' : 'inactive' }));
  } else if (kind === 'text') {
    td.className = 'left';
    td.textContent = value ?? '–';
  } else {
    td.dataset.value = value;
    td.textContent = kind === 'mind' ? fmtMind(value) : kind === 'frac' ? fmtFrac(value) : fmtInt(value);
  }
  return td;
}

const refreshNeurons = latest(async () => {
  if (state.netuid === null) return null;
  const q = new URLSearchParams({
    netuid: state.netuid, sort: state.sort, desc: state.desc ? 1 : 0,
    filter: state.filter, offset: state.offset, limit: state.limit,
  });
  const page = await get(`api/neurons?${q}`);
  return () => {
    state.matched = page.matched;
    for (const th of document.querySelectorAll('#metagraph th[data-sort]')) {
      th.classList.toggle('sorted', th.dataset.sort === page.sort);
      th.classList.toggle('asc', th.dataset.sort === page.sort && !page.desc);
    }
    const rows = page.rows.map((n) => h('tr', { 'data-uid': n.uid, class: n.active ? null : 'inactive' },
      ...COLUMNS.map(([key, , kind]) => cell(kind, key, n[key]))));
    if (!rows.length) rows.push(h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'empty' }, 'no neurons match')));
    $('#metagraph tbody').replaceChildren(...rows);
    const end = page.offset + page.rows.length;
    text('#page', page.matched ? `${page.offset + 1}–${end} of ${page.matched}` : '0 of 0');
    $('#page').title = `${page.total} neurons on network ${page.netuid}`;
    $('#prev').disabled = page.offset <= 0;
    $('#next').disabled = end >= page.matched;
  };
});

function wireMetagraphControls() {
  let timer;
  $('#filter').addEventListener('input', (ev) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.filter = ev.target.value.trim();
      state.offset = 0;
      refreshNeurons().catch(() => {});
    }, 300);
  });
  $('#limit').addEventListener('change', (ev) => {
    state.limit = Number(ev.target.value);
    state.offset = 0;
    refreshNeurons().catch(() => {});
  });
  $('#prev').addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - state.limit);
    refreshNeurons().catch(() => {});
  });
  $('#next').addEventListener('click', () => {
    if (state.offset + state.limit >= state.matched) return;
    state.offset += state.limit;
    refreshNeurons().catch(() => {});
  });
}

// ---------- weights: heatmap and trust graph ----------
const heat = { w: null, pad: 0, size: 0 }; // what the canvas shows, for the tooltip

function drawHeatmap(w) {
  const canvas = $('#heatmap');
  const n = w.uids.length;
  const labels = n > 0 && n <= 64;
  const pad = labels ? 30 : 4;
  const size = Math.max(200, Math.min(600, $('#heatmap-box').clientWidth));
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(size * dpr);
  canvas.height = Math.round(size * dpr);
  canvas.style.width = canvas.style.height = `${size}px`;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, size, size);
  let cells = 0;
  if (n === 0) {
    ctx.fillStyle = '#8795a8';
    ctx.font = '13px system-ui, sans-serif';
    ctx.fillText('no neurons', 10, 24);
  }
  const c = (size - pad - 2) / Math.max(1, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = w.matrix[i]?.[j] || 0;
      if (v > 0) cells++;
      ctx.fillStyle = v > 0 ? heatColor(v) : '#111822';
      ctx.fillRect(pad + j * c, pad + i * c, Math.max(1, c - (c > 6 ? 1 : 0)), Math.max(1, c - (c > 6 ? 1 : 0)));
    }
  }
  if (labels) {
    // uid labels: every one when they fit, else every k-th.
    const step = Math.ceil(12 / c);
    ctx.fillStyle = '#8795a8';
    ctx.font = `${Math.min(11, Math.max(8, c * 0.7))}px system-ui, sans-serif`;
    for (let k = 0; k < n; k += step) {
      const mid = pad + (k + 0.5) * c;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(String(w.uids[k]), pad - 4, mid);
      ctx.save();
      ctx.translate(mid, pad - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'left';
      ctx.fillText(String(w.uids[k]), 0, 0);
      ctx.restore();
    }
  }
  if (n > 0 && cells === 0) {
    ctx.fillStyle = '#8795a8';
    ctx.font = '13px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText('no weights set yet', pad + (size - pad) / 2, pad + (size - pad) / 2);
  }
  canvas.dataset.cells = String(cells);
  Object.assign(heat, { w, pad, size, c });
}

function heatmapTooltip(ev) {
  const tip = $('#heatmap-tip');
  const { w, pad, c } = heat;
  const j = Math.floor((ev.offsetX - pad) / c);
  const i = Math.floor((ev.offsetY - pad) / c);
  if (!w || i < 0 || j < 0 || i >= w.uids.length || j >= w.uids.length) { tip.hidden = true; return; }
  tip.textContent = `uid ${w.uids[i]} → uid ${w.uids[j]}: ${fmtFrac(w.matrix[i]?.[j] || 0)}`;
  tip.style.left = `${ev.offsetX + 14}px`;
  tip.style.top = `${ev.offsetY + 10}px`;
  tip.hidden = false;
}

function drawTrustGraph(w) {
  const svg = $('#trust-graph');
  const n = w.uids.length;
  const C = 220;
  const R = n > 1 ? 175 : 0;
  const maxStake = Math.max(1e-9, ...w.stake);
  const pos = w.uids.map((_, k) => {
    const a = (2 * Math.PI * k) / Math.max(1, n) - Math.PI / 2;
    return [C + R * Math.cos(a), C + R * Math.sin(a), a];
  });
  const edges = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = w.matrix[i]?.[j] || 0;
      if (i === j || v <= EDGE_MIN) continue;
      edges.push(s('line', {
        class: 'edge', x1: pos[i][0], y1: pos[i][1], x2: pos[j][0], y2: pos[j][1],
        'stroke-opacity': (0.12 + 0.8 * v).toFixed(3), 'stroke-width': (0.6 + 2 * v).toFixed(2),
      }, s('title', {}, `uid ${w.uids[i]} → uid ${w.uids[j]}: ${fmtFrac(v)}`)));
    }
  }
  const big = n > 64 ? 0.5 : 1; // smaller circles when crowded
  const nodes = w.uids.map((uid, k) => s('circle', {
    class: 'node', cx: pos[k][0], cy: pos[k][1], r: (big * (3 + 13 * Math.sqrt(Math.max(0, w.stake[k]) / maxStake))).toFixed(2),
    fill: ramp(TRUST, w.trust[k]), 'data-uid': uid,
  }, s('title', {}, `uid ${uid} ${w.hotkeys?.[k] || ''}\nstake ${fmtMind(w.stake[k])} MIND\ntrust ${fmtFrac(w.trust[k])}`)));
  const labels = n > 64 ? [] : w.uids.map((uid, k) => s('text', {
    x: (C + (R + 24) * Math.cos(pos[k][2])).toFixed(1), y: (C + (R + 24) * Math.sin(pos[k][2]) + 4).toFixed(1), 'text-anchor': 'middle',
  }, String(uid)));
  const empty = n ? [] : [s('text', { x: C, y: C, 'text-anchor': 'middle', class: 'empty-text' }, 'no neurons')];
  svg.replaceChildren(...edges, ...nodes, ...labels, ...empty);
}

async function refreshWeights() {
  const netuid = state.netuid;
  const w = await get(`api/weights?netuid=${netuid}&limit=${HEAT_LIMIT}`);
  if (w.netuid !== state.netuid) return;
  text('#weights-sub', w.shown < w.total ? `${w.shown} of ${w.total} neurons, most stake` : `${w.total} neurons`);
  drawHeatmap(w);
  drawTrustGraph(w);
}

// ---------- line charts: history and learner ----------
/** "Nice" axis ticks between lo and hi, about `count` of them. */
function ticks(lo, hi, count = 4) {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => raw <= st);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/** Draws `series` ([{name, color, points: [[x, y], ...]}]) into an SVG as lines with axes. */
function lineChart(svg, series, { width = 560, height = 220, empty = 'no samples yet' } = {}) {
  const m = { l: 54, r: 14, t: 10, b: 24 };
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const pts = series.flatMap((se) => se.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (!pts.length) {
    svg.replaceChildren(s('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty-text' }, empty));
    return;
  }
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  const spread = y1 - y0 || Math.abs(y1) || 1;
  [y0, y1] = [y0 - spread * 0.08, y1 + spread * 0.08];
  if (y0 < 0 && Math.min(...pts.map((p) => p[1])) >= 0) y0 = 0; // no negative axis for positive data
  const X = (x) => m.l + ((x - x0) / (x1 - x0)) * (width - m.l - m.r);
  const Y = (y) => height - m.b - ((y - y0) / (y1 - y0)) * (height - m.t - m.b);
  const out = [];
  for (const v of ticks(y0, y1)) {
    out.push(s('line', { class: 'gridline', x1: m.l, x2: width - m.r, y1: Y(v), y2: Y(v) }));
    out.push(s('text', { x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end' }, fmtAxis(v)));
  }
  for (const v of ticks(x0, x1, 5)) {
    out.push(s('text', { x: X(v), y: height - 6, 'text-anchor': 'middle' }, fmtAxis(v)));
  }
  out.push(s('line', { class: 'axis', x1: m.l, x2: m.l, y1: m.t, y2: height - m.b }));
  out.push(s('line', { class: 'axis', x1: m.l, x2: width - m.r, y1: height - m.b, y2: height - m.b }));
  for (const se of series) {
    // A missing value (null) breaks the line: the next point starts a new piece.
    let d = '';
    let gap = true;
    for (const [x, y] of se.points) {
      const ok = Number.isFinite(x) && Number.isFinite(y);
      if (ok) d += `${gap ? 'M' : 'L'}${X(x).toFixed(1)},${Y(y).toFixed(1)}`;
      gap = !ok;
    }
    const p = se.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (!p.length) continue;
    out.push(s('path', { class: 'series', d, stroke: se.color }, s('title', {}, se.name)));
    if (p.length <= 24) {
      for (const [x, y] of p) out.push(s('circle', { cx: X(x), cy: Y(y), r: 2.5, fill: se.color }));
    }
  }
  svg.replaceChildren(...out);
}

/** A legend: a coloured swatch and a label (a node or text) per series. */
function legend(sel, items) {
  $(sel).replaceChildren(...items.map(({ color, label, title }) =>
    h('span', { title }, h('i', { style: `background:${color}` }), label)));
}

async function refreshHistory() {
  const hist = await get(`api/history?netuid=${state.netuid}`);
  if (hist.netuid !== state.netuid) return;
  const pick = (key) => hist.series.map((se, k) => ({
    name: `uid ${se.uid}`, color: COLORS[k % COLORS.length], points: hist.blocks.map((b, i) => [b, se[key][i]]),
  }));
  lineChart($('#history-stake'), pick('stake'), { height: 200, empty: 'no epoch samples yet' });
  lineChart($('#history-emission'), pick('emission'), { height: 200, empty: 'no epoch samples yet' });
  legend('#history-legend', hist.series.map((se, k) => ({
    color: COLORS[k % COLORS.length], title: se.hotkey,
    label: h('span', {}, `uid ${se.uid} `, h('code', {}, shortKey(se.hotkey))),
  })));
}

async function refreshLearner() {
  const l = await get('api/learner');
  const curves = l.curves || [];
  const color = (c, k) => (c.name === 'alone' ? '#94a3b8' : COLORS[k % COLORS.length]);
  $('#learner-note').hidden = curves.length > 0;
  $('#learner-chart').toggleAttribute('hidden', curves.length === 0); // an SVG element has no .hidden
  lineChart($('#learner-chart'), curves.map((c, k) => ({ name: c.name, color: color(c, k), points: c.points })), { width: 1100, height: 240 });
  legend('#learner-legend', curves.map((c, k) => ({ color: color(c, k), label: `${c.name} (${c.points.length} points)` })));
  text('#learner-sources', l.sources?.length ? `sources: ${l.sources.join(', ')}` : '');
}

// ---------- polling ----------
async function refreshNetwork() {
  if (state.netuid === null) return;
  await Promise.allSettled([refreshNeurons(), refreshWeights(), refreshHistory()]);
}

async function slowPoll() {
  await Promise.allSettled([refreshChain(), refreshNetworks().catch(() => {}).then(refreshNetwork), refreshLearner()]);
}

buildMetagraphHead();
wireMetagraphControls();
$('#heatmap').addEventListener('mousemove', heatmapTooltip);
$('#heatmap').addEventListener('mouseleave', () => { $('#heatmap-tip').hidden = true; });
window.addEventListener('resize', () => { if (heat.w) drawHeatmap(heat.w); });
every(SLOW_MS, slowPoll);
every(FAST_MS, async () => {
  if (state.netuid === null) return; // until the networks are known
  await refreshEpoch();
});
