// Landscape: filled contour bands of a loss grid (d3-contour) drawn as SVG, with axes, a colour
// legend, an optional cell overlay, marked points and trajectories. The SVG is rebuilt at the
// container's width on resize; overlay, markers and trajectories are redrawn in their own layers,
// and playback (setProgress) only moves dash lengths and head markers.
import { loadScripts } from '../../js/load-script.js';
import { copyPanelOf, onCopyClick, svgSnapshot } from '../../js/chart-png.js';

const D3_SCRIPTS = ['lib/d3/d3-array.min.js', 'lib/d3/d3-contour.min.js', 'lib/d3/d3-color.min.js',
    'lib/d3/d3-interpolate.min.js', 'lib/d3/d3-scale-chromatic.min.js'];
const SVG_NS = 'http://www.w3.org/2000/svg';
const MARGIN = { top: 12, right: 78, bottom: 46, left: 58 }; // at scale 1; see scaleFor()
const LOG_DEPTH = 1e-4; // lowest log-spaced band starts this fraction of the value range above the minimum
const DRAG_INTERVAL_MS = 125; // while dragging, report the pointer at most 8 times a second
const DRAG_SLOP_PX = 4;       // a press that moves less than this is a plain click
const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
const LARGE_STEP = 5;         // Shift+arrow: LandscapeNudge.LargeStep steps

const states = new Map();
// Presentation mode (wwwroot/js/lecture.js): text and marks at 1.5× whatever the width (tick labels 18 px); redrawn on a switch.
const presenting = () => document.documentElement.classList.contains('presentation');
document.addEventListener('polyak-presentation', () => { for (const s of states.values()) schedule(s); });
const bytesToDoubles = (bytes) => new Float64Array(bytes.slice().buffer); // slice: 8-byte alignment
const bytesToInts = (bytes) => new Int32Array(bytes.slice().buffer);

// State exists from the first call on: the page may send data before init() has run.
function stateOf(id) {
    let s = states.get(id);
    if (!s) {
        s = {
            id, options: {}, grid: null, markers: [], trajectories: [], overlay: null, overlayLegend: [],
            progress: null, // null: whole paths; else the point index drawn up to
            ready: false, frame: null, pending: false, drawn: [], drag: null, sending: false, queued: null,
            nudging: false, nudge: null, // arrow keys: one call in flight, later presses summed
        };
        states.set(id, s);
    }
    return s;
}

export async function init(id, options, dotnetRef) {
    const s = stateOf(id);
    const root = document.getElementById(id);
    Object.assign(s, {
        dotnetRef, options, plotEl: root.querySelector('[data-plot]'), legendEl: root.querySelector('[data-legend]'),
        overlayLegendEl: root.querySelector('[data-overlay-legend]'),
    });
    s.resize = new ResizeObserver(() => schedule(s));
    s.resize.observe(s.plotEl);
    s.plotEl.addEventListener('pointerdown', (e) => handlePointerDown(s, e));
    s.plotEl.addEventListener('pointermove', (e) => handlePointerMove(s, e));
    s.plotEl.addEventListener('pointerup', (e) => handlePointerUp(s, e));
    s.plotEl.addEventListener('pointercancel', (e) => endDrag(s, e));
    s.plotEl.addEventListener('pointerleave', () => { if (!s.drag) showReadout(s, null); });
    s.plotEl.addEventListener('keydown', (e) => handleKeyDown(s, e));
    onCopyClick(root, (fileName) => copyPng(id, fileName));
    renderLegend(s);
    renderOverlayLegend(s);
    await loadScripts(D3_SCRIPTS);
    s.ready = true; // all of d3: drawing between two script loads fails (d3.contours without the colour schemes)
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
    if (s.frame) { drawMarkers(s); drawTrajectories(s); } else schedule(s); // end labels avoid marker labels
}

export function setTrajectories(id, list) {
    const s = stateOf(id);
    s.trajectories = list.map(t => ({
        name: t.name, color: t.color, x: bytesToDoubles(t.x), y: bytesToDoubles(t.y), endLabel: t.endLabel ?? null, thin: !!t.thin,
    }));
    s.progress = null;
    renderLegend(s);
    if (s.frame) drawTrajectories(s); else schedule(s);
}

/** Playback: paths drawn up to point `index` (negative: whole). Touches only a few attributes per path. */
export function setProgress(id, index) {
    const s = stateOf(id);
    s.progress = index < 0 ? null : index;
    applyProgress(s);
}

export function setOverlay(id, xs, ys, palette, cells, opacity, legend) {
    const s = stateOf(id);
    s.overlay = { xs: bytesToDoubles(xs), ys: bytesToDoubles(ys), palette, cells: bytesToInts(cells), opacity };
    s.overlayLegend = legend ?? [];
    renderOverlayLegend(s);
    if (s.frame) drawOverlay(s); else schedule(s);
}

export function clearOverlay(id) {
    const s = stateOf(id);
    s.overlay = null;
    s.overlayLegend = [];
    renderOverlayLegend(s);
    drawOverlay(s);
}

/**
 * Copy panel as PNG (chart-png.js): the landscape's SVG at 2× on white, its texts and axes dark, under its title (or
 * its panel's heading) and the legend of its paths and overlay.
 */
export async function copyPng(id, fileName) {
    const s = states.get(id);
    const root = document.getElementById(id);
    return copyPanelOf(root, fileName, async () => {
        const svg = s?.plotEl?.querySelector('svg');
        if (!svg) return null;
        const image = await svgSnapshot(svg, { '.tick-label, .axis-title': { fill: '#212121' }, '.tick, .frame': { stroke: '#757575' } });
        const legend = [...s.trajectories.filter(t => !t.thin).map(t => ({ name: t.name, color: t.color })),
            ...s.overlayLegend.map(l => ({ name: l.label, color: l.color }))];
        const title = root.querySelector('.landscape-title')?.textContent?.trim()
            || root.closest('.mud-paper')?.querySelector('h2, h3')?.textContent?.trim() || '';
        return { image, title, legend };
    });
}

export function dispose(id) {
    const s = states.get(id);
    s?.resize?.disconnect();
    if (s?.drag) clearTimeout(s.drag.timer);
    states.delete(id);
}

// ---- Drawing ---------------------------------------------------------------------------------

function schedule(s) {
    if (s.pending || !s.plotEl) return;
    s.pending = true;
    requestAnimationFrame(() => {
        s.pending = false;
        if (states.get(s.id) === s && s.ready) draw(s);
    });
}

const el = (name, attrs = {}, parent = null) => {
    const node = document.createElementNS(SVG_NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
};

/** Text, marks and margins grow with the plot (1× up to 1000 px wide, 1.5× from 1500 px), and are 1.5× in presentation
 * mode: readable on a projector. */
const scaleFor = (width) => (presenting() ? 1.5 : Math.min(1.5, Math.max(1, width / 1000)));

function draw(s) {
    const width = s.plotEl.clientWidth;
    if (!s.grid || width < 50) { s.plotEl.replaceChildren(); s.frame = null; s.drawn = []; return; }
    const height = Math.round(width / (s.options.aspectRatio || 4 / 3));
    const k = scaleFor(width);
    for (const legend of [s.legendEl, s.overlayLegendEl]) legend?.style.setProperty('--k', k); // HTML legends grow too
    const m = Object.fromEntries(Object.entries(MARGIN).map(([side, v]) => [side, Math.round(v * k)]));
    const { xs, ys, values } = s.grid;
    const nx = xs.length, ny = ys.length;
    const pw = width - m.left - m.right, ph = height - m.top - m.bottom;
    const [x0, x1, y0, y1] = [xs[0], xs[nx - 1], ys[0], ys[ny - 1]];
    const f = {
        width, height, pw, ph, x0, x1, y0, y1, k, m,
        sx: (x) => m.left + (x - x0) / (x1 - x0) * pw,
        sy: (y) => m.top + ph - (y - y0) / (y1 - y0) * ph,
        ix: (px) => x0 + (px - m.left) / pw * (x1 - x0),
        iy: (py) => y0 + (m.top + ph - py) / ph * (y1 - y0),
    };
    s.frame = f;

    const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'landscape-svg', style: `--k: ${k}` });
    const defs = el('defs', {}, svg);
    const clipId = `${s.id}-clip`;
    el('rect', { x: m.left, y: m.top, width: pw, height: ph }, el('clipPath', { id: clipId }, defs));

    const { thresholds, colors, max } = bands(values, s.options);
    const bandsLayer = el('g', { 'clip-path': `url(#${clipId})`, class: 'bands' }, svg);
    const contours = d3.contours().size([nx, ny]).thresholds(thresholds)(sanitized(values));
    // Grid coordinate g (value i sits at g = i + 0.5) to pixels.
    const gx = (g) => m.left + (g - 0.5) / (nx - 1) * pw;
    const gy = (g) => m.top + ph - (g - 0.5) / (ny - 1) * ph;
    contours.forEach((c, k) => {
        const d = c.coordinates.map(poly => poly.map(ring =>
            'M' + ring.map(([a, b]) => `${gx(a).toFixed(1)},${gy(b).toFixed(1)}`).join('L') + 'Z').join('')).join('');
        if (d) el('path', { d, fill: colors[k], 'fill-rule': 'evenodd', class: 'band' }, bandsLayer);
    });

    s.overlayLayer = el('g', { 'clip-path': `url(#${clipId})`, class: 'overlay' }, svg);
    drawAxes(s, svg, f);
    drawColorLegend(svg, f, [...thresholds, max], colors, s.options.valueTitle);
    s.markersLayer = el('g', { 'clip-path': `url(#${clipId})`, class: 'markers' }, svg);
    s.trajectoriesLayer = el('g', { 'clip-path': `url(#${clipId})`, class: 'trajectories' }, svg);
    // Above the paths: the end squares of paths that reach a minimum would cover its label.
    s.markerLabelsLayer = el('g', { 'clip-path': `url(#${clipId})`, class: 'marker-labels' }, svg);
    s.labelsLayer = el('g', { class: 'end-labels' }, svg);
    s.readout = el('text', { x: m.left + pw - 6 * k, y: m.top + 16 * k, 'text-anchor': 'end', class: 'readout' }, svg);
    if (s.options.clickable) svg.classList.add('clickable');
    s.plotEl.replaceChildren(svg);
    drawOverlay(s);
    drawMarkers(s);
    drawTrajectories(s); // after the markers: end labels are placed clear of marker labels
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
    const { m, k } = f;
    el('rect', { x: m.left, y: m.top, width: f.pw, height: f.ph, class: 'frame' }, g);
    for (const t of d3.ticks(f.x0, f.x1, Math.max(2, Math.floor(f.pw / (80 * k))))) {
        const x = f.sx(t);
        el('line', { x1: x, x2: x, y1: m.top + f.ph, y2: m.top + f.ph + 5 * k, class: 'tick' }, g);
        el('text', { x, y: m.top + f.ph + 18 * k, 'text-anchor': 'middle', class: 'tick-label' }, g).textContent = fmt(t);
    }
    for (const t of d3.ticks(f.y0, f.y1, Math.max(2, Math.floor(f.ph / (60 * k))))) {
        const y = f.sy(t);
        el('line', { x1: m.left - 5 * k, x2: m.left, y1: y, y2: y, class: 'tick' }, g);
        el('text', { x: m.left - 8 * k, y: y + 4 * k, 'text-anchor': 'end', class: 'tick-label' }, g).textContent = fmt(t);
    }
    const o = s.options;
    if (o.xTitle) el('text', { x: m.left + f.pw / 2, y: f.height - 6 * k, 'text-anchor': 'middle', class: 'axis-title' }, g).textContent = o.xTitle;
    if (o.yTitle) {
        el('text', { transform: `translate(${14 * k} ${m.top + f.ph / 2}) rotate(-90)`, 'text-anchor': 'middle', class: 'axis-title' }, g)
            .textContent = o.yTitle;
    }
}

/**
 * A vertical bar of the bands, equally tall (so log-spaced on a log landscape), labelled every few
 * band edges; edges has one more entry than colors (the maximum on top).
 */
function drawColorLegend(svg, f, edges, colors, title) {
    const g = el('g', { class: 'color-legend' }, svg);
    const { m, k } = f;
    const x = f.width - m.right + 14 * k, w = 12 * k, h = f.ph / colors.length;
    colors.forEach((c, i) => el('rect', { x, y: m.top + f.ph - (i + 1) * h, width: w, height: h + 0.5, fill: c }, g));
    const every = Math.max(1, Math.ceil(colors.length / Math.max(2, Math.floor(f.ph / (40 * k)))));
    edges.forEach((t, i) => {
        if (i % every !== 0 && i !== edges.length - 1) return;
        if (i !== edges.length - 1 && edges.length - 1 - i < every / 2) return; // too close to the top label
        const y = m.top + f.ph - i * h;
        el('text', { x: x + w + 4 * k, y: y + 4 * k, class: 'tick-label' }, g).textContent = fmt(t);
    });
    // On the axis-title row: on the tick row it would run into the last x tick label.
    if (title) el('text', { x: x + w / 2, y: f.height - 6 * k, 'text-anchor': 'middle', class: 'tick-label' }, g).textContent = title;
}

/**
 * The overlay as one path per colour, each a union of rectangles (runs of equal cells in a row merged):
 * far fewer nodes than one rect per cell, and no hairline seams between neighbouring cells.
 */
function drawOverlay(s) {
    const f = s.frame, g = s.overlayLayer, o = s.overlay;
    if (!f || !g) return;
    g.replaceChildren();
    if (!o) return;
    g.setAttribute('opacity', o.opacity);
    const nx = o.xs.length, ny = o.ys.length;
    const xe = cellEdges(o.xs, f.x0, f.x1).map(v => f.sx(v).toFixed(2));
    const ye = cellEdges(o.ys, f.y0, f.y1).map(v => f.sy(v).toFixed(2));
    const paths = o.palette.map(() => []);
    for (let r = 0; r < ny; r++) {
        for (let c = 0; c < nx;) {
            const p = o.cells[r * nx + c];
            let e = c + 1;
            while (e < nx && o.cells[r * nx + e] === p) e++;
            if (p >= 0) paths[p].push(`M${xe[c]},${ye[r]}H${xe[e]}V${ye[r + 1]}H${xe[c]}Z`);
            c = e;
        }
    }
    paths.forEach((d, p) => { if (d.length) el('path', { d: d.join(''), fill: o.palette[p], class: 'overlay-cells' }, g); });
}

/** n + 1 cell edges around n evenly spaced centres (half a spacing beyond the outer ones); one cell spans lo..hi. */
function cellEdges(centres, lo, hi) {
    const n = centres.length;
    if (n === 1) return [lo, hi];
    const edges = [centres[0] - (centres[1] - centres[0]) / 2];
    for (let i = 1; i < n; i++) edges.push((centres[i - 1] + centres[i]) / 2);
    edges.push(centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2);
    return edges;
}

function drawMarkers(s) {
    const f = s.frame, g = s.markersLayer, lg = s.markerLabelsLayer;
    s.markerBoxes = [];
    if (!f || !g) return;
    g.replaceChildren();
    lg.replaceChildren();
    const { k, m: mg } = f;
    for (const m of s.markers) {
        if (!Number.isFinite(m.x) || !Number.isFinite(m.y)) continue;
        const x = f.sx(m.x), y = f.sy(m.y), a = 6 * k;
        el('path', { d: `M${x - a},${y}L${x + a},${y}M${x},${y - a}L${x},${y + a}`, stroke: m.color ?? '#fff', class: 'marker' }, g);
        s.markerBoxes.push({ x: x - a, y: y - a, w: 2 * a, h: 2 * a }); // the cross itself
        if (!m.label) continue;
        // Up and right of the cross, flipped left and/or down where that would leave the (clipped)
        // plot: a minimum near the edge (e.g. at a corner of the range) keeps its whole label.
        const node = el('text', { class: 'marker-label' }, lg);
        node.textContent = m.label;
        const w = node.getComputedTextLength() || m.label.length * 7.5 * k, h = 15 * k, gap = 8 * k;
        const right = x + gap + w <= mg.left + f.pw, up = y - 6 * k - h >= mg.top;
        const bx = right ? x + gap : x - gap - w;
        const by = up ? y - 6 * k - h : y + 6 * k;
        node.setAttribute('x', bx);
        node.setAttribute('y', by + h * 0.8); // baseline
        s.markerBoxes.push({ x: bx, y: by, w, h });
    }
}

/**
 * Draws every trajectory whole (polyline, start circle, end square, end label) plus a hidden head marker,
 * and keeps per path the cumulative pixel length at each point: playback then reveals a prefix with
 * stroke-dasharray and moves the head, without rebuilding any geometry.
 */
function drawTrajectories(s) {
    const f = s.frame, g = s.trajectoriesLayer, lg = s.labelsLayer;
    if (!f || !g) return;
    g.replaceChildren();
    lg.replaceChildren();
    s.drawn = [];
    const k = f.k;
    const taken = markerLabelBoxes(s); // end labels keep clear of these and of each other
    const ends = []; // labelled path ends, placed once every path is drawn
    const heads = el('g', { class: 'heads' }); // appended last: every head above every path
    // Thin paths (other seeds of the same runs) first, underneath: whole, without markers, heads or labels.
    for (const t of s.trajectories.filter(t => t.thin)) {
        const points = [];
        for (let i = 0; i < Math.min(t.x.length, t.y.length); i++)
            if (Number.isFinite(t.x[i]) && Number.isFinite(t.y[i]))
                points.push(`${Math.round(f.sx(t.x[i]) * 10) / 10},${Math.round(f.sy(t.y[i]) * 10) / 10}`);
        if (points.length > 1) el('polyline', { points: points.join(' '), stroke: t.color, class: 'trajectory thin' }, g);
    }
    for (const t of s.trajectories.filter(t => !t.thin)) {
        const n = Math.min(t.x.length, t.y.length);
        const upTo = new Int32Array(n); // upTo[i]: finite points among 0..i
        const px = [], py = [], length = [];
        let total = 0;
        for (let i = 0; i < n; i++) {
            if (Number.isFinite(t.x[i]) && Number.isFinite(t.y[i])) {
                // Rounded as in the points attribute, so our lengths match the browser's path length.
                const x = Math.round(f.sx(t.x[i]) * 10) / 10, y = Math.round(f.sy(t.y[i]) * 10) / 10;
                if (px.length) total += Math.hypot(x - px[px.length - 1], y - py[py.length - 1]);
                px.push(x); py.push(y); length.push(total);
            }
            upTo[i] = px.length;
        }
        if (px.length === 0) continue;
        const points = px.map((x, i) => `${x},${py[i]}`).join(' ');
        const line = el('polyline', { points, stroke: t.color, class: 'trajectory' }, g);
        const last = px.length - 1;
        el('circle', { cx: px[0], cy: py[0], r: 4.5 * k, fill: t.color, class: 'endpoint' }, g);
        const end = el('rect', { x: px[last] - 4.5 * k, y: py[last] - 4.5 * k, width: 9 * k, height: 9 * k, fill: t.color, class: 'endpoint' }, g);
        const head = el('circle', { r: 6 * k, fill: t.color, class: 'head', display: 'none' }, heads);
        const d = { n, upTo, px, py, length, total, line, end, head, label: null, shown: null };
        s.drawn.push(d);
        if (t.endLabel) ends.push({ d, text: t.endLabel, color: t.color, x: px[last], y: py[last] });
    }
    g.appendChild(heads);
    // Paths ending in the same place (several optimizers in one well) get one stacked block of
    // labels, each line led by a square in its path's colour, instead of labels piled on each other.
    const groups = [];
    for (const e of ends) {
        const near = groups.find(gr => Math.hypot(gr[0].x - e.x, gr[0].y - e.y) <= 24 * k);
        if (near) near.push(e); else groups.push([e]);
    }
    for (const gr of groups) {
        const nodes = placeEndLabels(lg, f, gr, taken);
        gr.forEach((e, i) => { e.d.label = nodes?.[i] ?? null; });
    }
    applyProgress(s);
}

/** Shows each path up to s.progress: a dash as long as the path to that point, and the head there. */
function applyProgress(s) {
    for (const d of s.drawn) {
        const lastIndex = d.n - 1;
        const i = s.progress === null || s.progress >= lastIndex ? lastIndex : s.progress;
        const count = d.upTo[i]; // points drawn
        const complete = i === lastIndex;
        if (complete) d.line.removeAttribute('stroke-dasharray');
        // The gap is longer than the path, so the dash pattern never repeats.
        else d.line.setAttribute('stroke-dasharray', `${count > 0 ? d.length[count - 1] : 0} ${d.total + 1}`);
        if (!complete && count > 0) {
            d.head.setAttribute('cx', d.px[count - 1]);
            d.head.setAttribute('cy', d.py[count - 1]);
        }
        const state = complete ? 'end' : count > 0 ? 'head' : 'none';
        if (state === d.shown) continue;
        d.shown = state;
        setShown(d.head, state === 'head');
        setShown(d.end, state === 'end');
        if (d.label) setShown(d.label, state === 'end');
    }
}

const setShown = (node, shown) => { if (shown) node.removeAttribute('display'); else node.setAttribute('display', 'none'); };

/**
 * End labels of paths ending near each other (`group`: {text, color, x, y}, the first one's end as
 * the anchor), one line each, as a block beside the anchor: right of the end marker if it fits, else
 * left, else nudged up or down a line, inside the plot and clear of the boxes in `taken` (to which it
 * adds its own). A group of several leads each line with a square in its path's colour. Returns the
 * line nodes in group order; null when the anchor is outside the plot (a diverged path).
 */
function placeEndLabels(layer, f, group, taken) {
    const { m, k } = f;
    const { x, y } = group[0];
    const inside = (bx, by, bw, bh) => bx >= m.left && bx + bw <= m.left + f.pw && by >= m.top && by + bh <= m.top + f.ph;
    if (!inside(x, y, 0, 0)) return null;
    const nodes = group.map(e => {
        const node = el('text', { class: 'end-label' }, layer);
        if (group.length > 1) el('tspan', { fill: e.color, class: 'end-label-swatch' }, node).textContent = '■ ';
        node.appendChild(document.createTextNode(e.text));
        return node;
    });
    const h = 13 * k, gap = 8 * k, bh = h * group.length;
    const w = Math.max(...nodes.map((node, i) => node.getComputedTextLength() || (group[i].text.length + 2) * 6.5 * k));
    const p = 3 * k; // a little air between neighbouring labels
    const clear = (b) => taken.every(o => b.x + b.w + p <= o.x || o.x + o.w + p <= b.x || b.y + b.h <= o.y || o.y + o.h <= b.y);
    const candidates = [0, 1, -1, 2, -2, 3, -3].flatMap(dy =>
        [x + gap, x - gap - w].map(bx => ({ x: bx, y: y - bh / 2 + dy * h, w, h: bh })));
    const fits = candidates.filter(b => inside(b.x, b.y, b.w, b.h));
    const best = fits.find(clear) ?? fits[0] ?? candidates[0];
    taken.push(best);
    nodes.forEach((node, i) => {
        node.setAttribute('x', best.x);
        node.setAttribute('y', best.y + h * i + h * 0.78); // baseline
    });
    return nodes;
}

/** Boxes of the marker labels and crosses, as drawMarkers placed them (copied: end labels add theirs). */
function markerLabelBoxes(s) {
    return [...(s.markerBoxes ?? [])];
}

function renderLegend(s) {
    if (!s.legendEl) return;
    s.legendEl.replaceChildren();
    if (s.trajectories.length === 0) return;
    for (const t of s.trajectories.filter(t => !t.thin)) s.legendEl.append(legendItem(t.name, t.color, 'swatch'));
    const key = document.createElement('span');
    key.className = 'landscape-legend-key';
    key.textContent = '● start   ■ end';
    s.legendEl.append(key);
}

function renderOverlayLegend(s) {
    if (!s.overlayLegendEl) return;
    s.overlayLegendEl.replaceChildren(...s.overlayLegend.map(l => legendItem(l.label, l.color, 'swatch cell')));
    const opacity = s.overlay?.opacity ?? 1;
    // Swatches as the cells look over a mid band: the overlay colour at a visible strength.
    for (const sw of s.overlayLegendEl.querySelectorAll('.cell')) sw.style.opacity = Math.max(0.6, opacity);
}

function legendItem(text, color, swatchClass) {
    const item = document.createElement('span');
    item.className = 'landscape-legend-item';
    const swatch = document.createElement('span');
    swatch.className = swatchClass;
    swatch.style.background = color;
    item.append(swatch, document.createTextNode(text));
    return item;
}

// ---- Pointer: readout, click and drag ---------------------------------------------------------

/** Data coordinates under the pointer; null outside the plot area, unless clamped to its edge. */
function dataPoint(s, e, clamp = false) {
    const f = s.frame;
    const svg = s.plotEl.querySelector('svg');
    if (!f || !svg) return null;
    const r = svg.getBoundingClientRect();
    let px = e.clientX - r.left, py = e.clientY - r.top;
    const { m } = f;
    if (px < m.left || px > m.left + f.pw || py < m.top || py > m.top + f.ph) {
        if (!clamp) return null;
        px = Math.min(Math.max(px, m.left), m.left + f.pw);
        py = Math.min(Math.max(py, m.top), m.top + f.ph);
    }
    return { x: f.ix(px), y: f.iy(py) };
}

function handlePointerDown(s, e) {
    if (!s.options.clickable || !e.isPrimary || (e.pointerType === 'mouse' && e.button !== 0)) return;
    const p = dataPoint(s, e);
    if (!p) return;
    e.preventDefault(); // no text selection or native drag (which also keeps the focus from moving: move it here)
    if (s.options.keyboard) s.plotEl.focus({ preventScroll: true }); // a click, then the arrow keys to fine-tune
    s.plotEl.setPointerCapture(e.pointerId); // moves and the release outside the plot still arrive here
    s.drag = { pointerId: e.pointerId, startX: e.clientX, startY: e.clientY, moved: false, lastSent: -Infinity, timer: 0, latest: p };
}

function handlePointerMove(s, e) {
    const d = s.drag;
    if (!d || e.pointerId !== d.pointerId) { showReadout(s, dataPoint(s, e)); return; }
    d.latest = dataPoint(s, e, true);
    showReadout(s, d.latest);
    if (!d.moved && Math.hypot(e.clientX - d.startX, e.clientY - d.startY) < DRAG_SLOP_PX) return;
    d.moved = true;
    // Throttle with a trailing call: the point where the pointer rests is always reported.
    const wait = d.lastSent + DRAG_INTERVAL_MS - performance.now();
    if (wait <= 0) {
        d.lastSent = performance.now();
        sendPoint(s, d.latest);
    } else if (!d.timer) {
        d.timer = setTimeout(() => {
            d.timer = 0;
            if (s.drag !== d) return;
            d.lastSent = performance.now();
            sendPoint(s, d.latest);
        }, wait);
    }
}

function handlePointerUp(s, e) {
    const d = s.drag;
    if (!d || e.pointerId !== d.pointerId) return;
    endDrag(s, e);
    sendPoint(s, dataPoint(s, e, true) ?? d.latest); // once on release: a plain click, or the end of a drag
}

function endDrag(s, e) {
    const d = s.drag;
    if (!d || e.pointerId !== d.pointerId) return;
    clearTimeout(d.timer);
    s.drag = null;
    if (s.plotEl.hasPointerCapture(e.pointerId)) s.plotEl.releasePointerCapture(e.pointerId);
}

/** One call in flight at a time; a point arriving meanwhile replaces any waiting one (the latest wins). */
function sendPoint(s, p) {
    if (!p) return;
    if (s.sending) { s.queued = p; return; }
    s.sending = true;
    s.dotnetRef.invokeMethodAsync('HandlePointClickedAsync', p.x, p.y)
        .catch((err) => { if (states.get(s.id) === s) console.error('Landscape: point handler failed', err); }) // else: page left
        .finally(() => {
            s.sending = false;
            const next = s.queued;
            s.queued = null;
            if (next && states.get(s.id) === s) sendPoint(s, next);
        });
}

// ---- Keyboard: arrow keys move the point by steps --------------------------------------------

function handleKeyDown(s, e) {
    const arrow = ARROWS[e.key];
    if (!s.options.keyboard || !arrow || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault(); // the arrows move the point, not the page
    const k = e.shiftKey ? LARGE_STEP : 1;
    sendNudge(s, arrow[0] * k, arrow[1] * k);
}

/** One call in flight at a time; presses arriving meanwhile are summed and sent when it returns (none is lost). */
function sendNudge(s, dx, dy) {
    if (s.nudging) {
        s.nudge = { dx: (s.nudge?.dx ?? 0) + dx, dy: (s.nudge?.dy ?? 0) + dy };
        return;
    }
    s.nudging = true;
    s.dotnetRef.invokeMethodAsync('HandleArrowKeyAsync', dx, dy)
        .catch((err) => { if (states.get(s.id) === s) console.error('Landscape: arrow key handler failed', err); })
        .finally(() => {
            s.nudging = false;
            const next = s.nudge;
            s.nudge = null;
            if (next && states.get(s.id) === s) sendNudge(s, next.dx, next.dy);
        });
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
