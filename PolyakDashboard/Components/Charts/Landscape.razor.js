// Landscape: filled contour bands of a loss grid (d3-contour) drawn as SVG, with axes, a colour
// legend, marked points and trajectories. The SVG is rebuilt at the container's width on resize.
import { loadScripts } from '../../js/load-script.js';

const D3_SCRIPTS = ['lib/d3/d3-array.min.js', 'lib/d3/d3-contour.min.js', 'lib/d3/d3-color.min.js',
    'lib/d3/d3-interpolate.min.js', 'lib/d3/d3-scale-chromatic.min.js'];
const SVG_NS = 'http://www.w3.org/2000/svg';
const MARGIN = { top: 12, right: 78, bottom: 46, left: 58 };
const LOG_DEPTH = 1e-4; // lowest log-spaced band starts this fraction of the value range above the minimum

const states = new Map();
const bytesToDoubles = (bytes) => new Float64Array(bytes.slice().buffer); // slice: 8-byte alignment

// State exists from the first call on: the page may send data before init() has run.
function stateOf(id) {
    let s = states.get(id);
    if (!s) {
        s = { id, options: {}, grid: null, markers: [], trajectories: [], frame: null, pending: false };
        states.set(id, s);
    }
    return s;
}

export async function init(id, options, dotnetRef) {
    const s = stateOf(id);
    const root = document.getElementById(id);
    Object.assign(s, { dotnetRef, options, plotEl: root.querySelector('[data-plot]'), legendEl: root.querySelector('[data-legend]') });
    s.resize = new ResizeObserver(() => schedule(s));
    s.resize.observe(s.plotEl);
    s.plotEl.addEventListener('click', (e) => handleClick(s, e));
    s.plotEl.addEventListener('mousemove', (e) => showReadout(s, dataPoint(s, e)));
    s.plotEl.addEventListener('mouseleave', () => showReadout(s, null));
    renderLegend(s);
    await loadScripts(D3_SCRIPTS);
    schedule(s);
}

export function configure(id, options) {
    const s = stateOf(id);
    s.options = options;
    schedule(s);
}

export function setGrid(id, xs, ys, values) {
    const s = stateOf(id);
    s.grid = { xs: bytesToDoubles(xs), ys: bytesToDoubles(ys), values: bytesToDoubles(values) };
    schedule(s);
}

export function setMarkers(id, markers) {
    const s = stateOf(id);
    s.markers = markers;
    if (s.frame) drawMarkers(s); else schedule(s);
}

export function setTrajectories(id, list) {
    const s = stateOf(id);
    s.trajectories = list.map(t => ({ name: t.name, color: t.color, x: bytesToDoubles(t.x), y: bytesToDoubles(t.y) }));
    renderLegend(s);
    if (s.frame) drawTrajectories(s); else schedule(s);
}

export function dispose(id) {
    states.get(id)?.resize?.disconnect();
    states.delete(id);
}

// ---- Drawing ---------------------------------------------------------------------------------

function schedule(s) {
    if (s.pending || !s.plotEl) return;
    s.pending = true;
    requestAnimationFrame(() => {
        s.pending = false;
        if (states.has(s.id) && globalThis.d3?.contours) draw(s);
    });
}

const el = (name, attrs = {}, parent = null) => {
    const node = document.createElementNS(SVG_NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
};

function draw(s) {
    const width = s.plotEl.clientWidth;
    if (!s.grid || width < 50) { s.plotEl.replaceChildren(); s.frame = null; return; }
    const height = Math.round(width / (s.options.aspectRatio || 4 / 3));
    const { xs, ys, values } = s.grid;
    const nx = xs.length, ny = ys.length;
    const pw = width - MARGIN.left - MARGIN.right, ph = height - MARGIN.top - MARGIN.bottom;
    const [x0, x1, y0, y1] = [xs[0], xs[nx - 1], ys[0], ys[ny - 1]];
    const f = {
        width, height, pw, ph, x0, x1, y0, y1,
        sx: (x) => MARGIN.left + (x - x0) / (x1 - x0) * pw,
        sy: (y) => MARGIN.top + ph - (y - y0) / (y1 - y0) * ph,
        ix: (px) => x0 + (px - MARGIN.left) / pw * (x1 - x0),
        iy: (py) => y0 + (MARGIN.top + ph - py) / ph * (y1 - y0),
    };
    s.frame = f;

    const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'landscape-svg' });
    const defs = el('defs', {}, svg);
    const clipId = `${s.id}-clip`;
    el('rect', { x: MARGIN.left, y: MARGIN.top, width: pw, height: ph }, el('clipPath', { id: clipId }, defs));

    const { thresholds, colors, max } = bands(values, s.options);
    const bandsLayer = el('g', { 'clip-path': `url(#${clipId})`, class: 'bands' }, svg);
    const contours = d3.contours().size([nx, ny]).thresholds(thresholds)(sanitized(values));
    // Grid coordinate g (value i sits at g = i + 0.5) to pixels.
    const gx = (g) => MARGIN.left + (g - 0.5) / (nx - 1) * pw;
    const gy = (g) => MARGIN.top + ph - (g - 0.5) / (ny - 1) * ph;
    contours.forEach((c, k) => {
        const d = c.coordinates.map(poly => poly.map(ring =>
            'M' + ring.map(([a, b]) => `${gx(a).toFixed(1)},${gy(b).toFixed(1)}`).join('L') + 'Z').join('')).join('');
        if (d) el('path', { d, fill: colors[k], 'fill-rule': 'evenodd', class: 'band' }, bandsLayer);
    });

    drawAxes(s, svg, f);
    drawColorLegend(svg, f, [...thresholds, max], colors, s.options.valueTitle);
    s.markersLayer = el('g', { 'clip-path': `url(#${clipId})`, class: 'markers' }, svg);
    s.trajectoriesLayer = el('g', { 'clip-path': `url(#${clipId})`, class: 'trajectories' }, svg);
    s.readout = el('text', { x: MARGIN.left + pw - 6, y: MARGIN.top + 16, 'text-anchor': 'end', class: 'readout' }, svg);
    if (s.options.clickable) svg.classList.add('clickable');
    s.plotEl.replaceChildren(svg);
    drawTrajectories(s);
    drawMarkers(s);
}

/** Non-finite values (a diverged region) are drawn as the highest finite value. */
function sanitized(values) {
    let hi = -Infinity;
    for (const v of values) if (Number.isFinite(v) && v > hi) hi = v;
    return Array.from(values, v => (Number.isFinite(v) ? v : hi));
}

/** Thresholds (ascending, the first at the minimum so the lowest band covers everything) and colours. */
function bands(values, options) {
    let lo = Infinity, hi = -Infinity;
    for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const n = Math.max(2, options.levels || 20);
    const span = hi - lo || 1;
    const thresholds = [lo];
    for (let k = 0; k < n - 1; k++) {
        const t = (k + 1) / n;
        // Log spacing of (value − minimum) shows both the deep basin and the high walls.
        thresholds.push(options.logThresholds ? lo + span * Math.pow(LOG_DEPTH, 1 - t) : lo + span * t);
    }
    const scheme = d3[`interpolate${options.colorScheme}`] ?? d3.interpolateViridis;
    const colors = thresholds.map((_, k) => scheme(k / (n - 1)));
    return { thresholds, colors, max: hi };
}

function drawAxes(s, svg, f) {
    const g = el('g', { class: 'axes' }, svg);
    el('rect', { x: MARGIN.left, y: MARGIN.top, width: f.pw, height: f.ph, class: 'frame' }, g);
    for (const t of d3.ticks(f.x0, f.x1, Math.max(2, Math.floor(f.pw / 80)))) {
        const x = f.sx(t);
        el('line', { x1: x, x2: x, y1: MARGIN.top + f.ph, y2: MARGIN.top + f.ph + 5, class: 'tick' }, g);
        el('text', { x, y: MARGIN.top + f.ph + 18, 'text-anchor': 'middle', class: 'tick-label' }, g).textContent = fmt(t);
    }
    for (const t of d3.ticks(f.y0, f.y1, Math.max(2, Math.floor(f.ph / 60)))) {
        const y = f.sy(t);
        el('line', { x1: MARGIN.left - 5, x2: MARGIN.left, y1: y, y2: y, class: 'tick' }, g);
        el('text', { x: MARGIN.left - 8, y: y + 4, 'text-anchor': 'end', class: 'tick-label' }, g).textContent = fmt(t);
    }
    const o = s.options;
    if (o.xTitle) el('text', { x: MARGIN.left + f.pw / 2, y: f.height - 6, 'text-anchor': 'middle', class: 'axis-title' }, g).textContent = o.xTitle;
    if (o.yTitle) {
        el('text', { transform: `translate(14 ${MARGIN.top + f.ph / 2}) rotate(-90)`, 'text-anchor': 'middle', class: 'axis-title' }, g)
            .textContent = o.yTitle;
    }
}

/**
 * A vertical bar of the bands, equally tall (so log-spaced on a log landscape), labelled every few
 * band edges; edges has one more entry than colors (the maximum on top).
 */
function drawColorLegend(svg, f, edges, colors, title) {
    const g = el('g', { class: 'color-legend' }, svg);
    const x = f.width - MARGIN.right + 14, w = 12, h = f.ph / colors.length;
    colors.forEach((c, k) => el('rect', { x, y: MARGIN.top + f.ph - (k + 1) * h, width: w, height: h + 0.5, fill: c }, g));
    const every = Math.max(1, Math.ceil(colors.length / Math.max(2, Math.floor(f.ph / 40))));
    edges.forEach((t, k) => {
        if (k % every !== 0 && k !== edges.length - 1) return;
        if (k !== edges.length - 1 && edges.length - 1 - k < every / 2) return; // too close to the top label
        const y = MARGIN.top + f.ph - k * h;
        el('text', { x: x + w + 4, y: y + 4, class: 'tick-label' }, g).textContent = fmt(t);
    });
    if (title) el('text', { x: x + w / 2, y: MARGIN.top + f.ph + 18, 'text-anchor': 'middle', class: 'tick-label' }, g).textContent = title;
}

function drawMarkers(s) {
    const f = s.frame, g = s.markersLayer;
    if (!f || !g) return;
    g.replaceChildren();
    for (const m of s.markers) {
        if (!Number.isFinite(m.x) || !Number.isFinite(m.y)) continue;
        const x = f.sx(m.x), y = f.sy(m.y);
        el('path', { d: `M${x - 6},${y}L${x + 6},${y}M${x},${y - 6}L${x},${y + 6}`, stroke: m.color ?? '#fff', class: 'marker' }, g);
        if (m.label) el('text', { x: x + 8, y: y - 6, class: 'marker-label' }, g).textContent = m.label;
    }
}

function drawTrajectories(s) {
    const f = s.frame, g = s.trajectoriesLayer;
    if (!f || !g) return;
    g.replaceChildren();
    for (const t of s.trajectories) {
        const pts = [];
        for (let i = 0; i < Math.min(t.x.length, t.y.length); i++) {
            if (Number.isFinite(t.x[i]) && Number.isFinite(t.y[i])) pts.push([f.sx(t.x[i]), f.sy(t.y[i])]);
        }
        if (pts.length === 0) continue;
        el('polyline', { points: pts.map(p => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(' '), stroke: t.color, class: 'trajectory' }, g);
        const [sx, sy] = pts[0], [ex, ey] = pts[pts.length - 1];
        el('circle', { cx: sx, cy: sy, r: 4.5, fill: t.color, class: 'endpoint' }, g);
        el('rect', { x: ex - 4.5, y: ey - 4.5, width: 9, height: 9, fill: t.color, class: 'endpoint' }, g);
    }
}

function renderLegend(s) {
    if (!s.legendEl) return;
    s.legendEl.replaceChildren();
    if (s.trajectories.length === 0) return;
    for (const t of s.trajectories) {
        const item = document.createElement('span');
        item.className = 'landscape-legend-item';
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = t.color;
        item.append(swatch, document.createTextNode(t.name));
        s.legendEl.append(item);
    }
    const key = document.createElement('span');
    key.className = 'landscape-legend-key';
    key.textContent = '● start   ■ end';
    s.legendEl.append(key);
}

// ---- Pointer ---------------------------------------------------------------------------------

function dataPoint(s, e) {
    const f = s.frame;
    if (!f) return null;
    const svg = s.plotEl.querySelector('svg');
    const r = svg.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    if (px < MARGIN.left || px > MARGIN.left + f.pw || py < MARGIN.top || py > MARGIN.top + f.ph) return null;
    return { x: f.ix(px), y: f.iy(py) };
}

function handleClick(s, e) {
    if (!s.options.clickable) return;
    const p = dataPoint(s, e);
    if (p) s.dotnetRef.invokeMethodAsync('HandlePointClickedAsync', p.x, p.y);
}

function showReadout(s, p) {
    if (s.readout) s.readout.textContent = p ? `(${fmt(p.x)}, ${fmt(p.y)})` : '';
}

function fmt(v) {
    if (v === 0) return '0';
    const a = Math.abs(v);
    if (a >= 1e4 || a < 1e-2) return v.toExponential(1).replace('.0e', 'e');
    return String(Number(v.toPrecision(3)));
}
