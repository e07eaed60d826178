// LiveChart: an ApexCharts line chart fed from typed-array buffers. Data reaches it either from C#
// (setSeries/append/clear) or straight from other JS (appendPoints/replaceSeries, used by
// training-hub.js), never through Blazor renders. Redraws are coalesced and decimated.
import { loadScript } from '../../js/load-script.js';
import { SeriesBuffer, decimate, yExtent } from '../../js/series-buffer.js';

const TARGET_POINTS = 1000; // per series after decimation
const MIN_FRAME_MS = 70; // at most ~14 redraws a second (ApexCharts needs 15-25 ms per redraw)
// Named explicitly (not 'inherit') so that the PNG export, drawn outside the page, keeps it.
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const PALETTE = ['#3f51b5', '#e53935', '#00897b', '#fb8c00', '#8e24aa', '#039be5',
    '#7cb342', '#d81b60', '#6d4c41', '#546e7a'];

// Shared through globalThis so that every importer sees the same charts even if the module were
// loaded twice under different URLs (C# import vs. import from training-hub.js).
const charts = (globalThis.__polyakLiveCharts ??= new Map());
const disposed = (globalThis.__polyakLiveChartsDisposed ??= new Set());

function stateOf(id) {
    let s = charts.get(id);
    if (!s) {
        s = {
            id, el: null, plotEl: null, legendEl: null, options: {}, smoothing: 0,
            series: new Map(), chart: null, rendering: null, shapeKey: '',
            dirty: false, scheduled: false, lastDraw: 0,
        };
        charts.set(id, s);
    }
    return s;
}

const bytesToDoubles = (bytes) => new Float64Array(bytes.slice().buffer); // slice: 8-byte alignment

// ---- API for C# ------------------------------------------------------------------------------

export function init(id, options) {
    const s = stateOf(id);
    s.el = document.getElementById(id);
    s.plotEl = s.el.querySelector('[data-plot]');
    s.legendEl = s.el.querySelector('[data-legend]');
    s.options = options;
    s.smoothing = options.smoothing ?? 0;
    s.shapeKey = '';
    schedule(s);
}

export function configure(id, options) {
    const s = stateOf(id);
    s.options = { ...options, smoothing: s.smoothing };
    s.shapeKey = ''; // options feed the chart's construction: rebuild it
    schedule(s);
}

export function setSeries(id, list) {
    const s = stateOf(id);
    s.series.clear();
    for (const item of list) {
        const buf = new SeriesBuffer(item.id, item.name, item.color);
        buf.replace(bytesToDoubles(item.x), bytesToDoubles(item.y));
        s.series.set(item.id, buf);
    }
    schedule(s);
}

export function append(id, seriesId, x, y) {
    appendPoints(id, seriesId, bytesToDoubles(x), bytesToDoubles(y));
}

export function clear(id) {
    const s = stateOf(id);
    s.series.clear();
    destroyChart(s);
    s.shapeKey = '';
    renderLegend(s);
}

export function setSmoothing(id, weight) {
    const s = stateOf(id);
    s.smoothing = Math.min(Math.max(+weight || 0, 0), 0.999);
    schedule(s);
}

export function dispose(id) {
    const s = charts.get(id);
    if (s) destroyChart(s);
    charts.delete(id);
    disposed.add(id);
}

// ---- API for other JS ------------------------------------------------------------------------

/** Appends points to a series (created on demand, named after its id). xs/ys: arrays or typed arrays. */
export function appendPoints(id, seriesId, xs, ys) {
    if (disposed.has(id)) return;
    const s = stateOf(id);
    seriesOf(s, seriesId).append(xs, ys);
    schedule(s);
}

/** Replaces one series' data, keeping its name, colour and legend state. */
export function replaceSeries(id, seriesId, xs, ys) {
    if (disposed.has(id)) return;
    const s = stateOf(id);
    seriesOf(s, seriesId).replace(xs, ys);
    schedule(s);
}

function seriesOf(s, seriesId) {
    let buf = s.series.get(seriesId);
    if (!buf) {
        buf = new SeriesBuffer(seriesId, seriesId, null);
        s.series.set(seriesId, buf);
    }
    return buf;
}

// ---- Downloads -------------------------------------------------------------------------------

export function downloadCsv(id, fileName) {
    const s = stateOf(id);
    const quote = (t) => `"${String(t).replaceAll('"', '""')}"`;
    const lines = ['series,x,y'];
    for (const buf of s.series.values()) {
        const name = quote(buf.name);
        for (let i = 0; i < buf.length; i++) lines.push(`${name},${buf.x[i]},${buf.y[i]}`);
    }
    const url = URL.createObjectURL(new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }));
    save(url, fileName);
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function downloadPng(id, fileName) {
    const s = stateOf(id);
    if (!s.chart) return;
    const { imgURI } = await s.chart.dataURI({ scale: 2 });
    save(imgURI, fileName);
}

function save(url, fileName) {
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    document.body.appendChild(a);
    a.click();
    a.remove();
}

// ---- Drawing ---------------------------------------------------------------------------------

/** Coalesces redraws: one per animation frame, and none sooner than MIN_FRAME_MS after the last. */
function schedule(s) {
    s.dirty = true;
    if (s.scheduled || !s.plotEl) return;
    s.scheduled = true;
    const wait = Math.max(0, s.lastDraw + MIN_FRAME_MS - performance.now());
    setTimeout(() => requestAnimationFrame(() => {
        s.scheduled = false;
        draw(s);
    }), wait);
}

function draw(s) {
    if (!s.dirty || !charts.has(s.id) || !s.plotEl?.isConnected) return;
    if (s.rendering) return; // the render's completion reschedules
    if (!globalThis.ApexCharts) {
        loadScript('lib/apexcharts/apexcharts.min.js').then(() => schedule(s), console.error);
        return;
    }
    s.dirty = false;
    s.lastDraw = performance.now();

    const list = [...s.series.values()];
    const logY = !!s.options.logY;
    for (const buf of list) buf.updatePlotted(logY, s.smoothing);
    const shapeKey = list.map(b => `${b.id}\u0001${b.name}\u0001${b.color}`).join('\u0002');
    if (shapeKey !== s.shapeKey) {
        // New or renamed series: rebuild (ApexCharts mishandles series added to a live chart).
        destroyChart(s);
        s.shapeKey = shapeKey;
        renderLegend(s);
    }
    if (!list.some(b => b.plotted > 0)) {
        destroyChart(s); // nothing to show yet: the placeholder text stays visible
        return;
    }

    const series = list.map(b => ({
        name: b.name,
        data: b.hidden ? [] : decimate(b.px, b.py, b.plotted, TARGET_POINTS),
    }));
    const dynamic = { series, xaxis: xAxis(s, list), yaxis: yAxis(s, list), annotations: annotations(s) };
    if (s.chart) {
        s.chart.updateOptions(dynamic, false, false, false);
    } else {
        const chart = new ApexCharts(s.plotEl, { ...baseOptions(s, list), ...dynamic });
        s.chart = chart;
        s.rendering = chart.render().finally(() => {
            if (s.chart !== chart) return; // destroyed meanwhile
            s.rendering = null;
            if (s.dirty) schedule(s);
        });
    }
}

function destroyChart(s) {
    if (s.chart) s.chart.destroy();
    s.chart = null;
    s.rendering = null;
    if (s.plotEl) s.plotEl.replaceChildren();
}

function baseOptions(s, list) {
    const o = s.options;
    return {
        chart: {
            type: 'line', height: o.height ?? 300, background: 'transparent', fontFamily: FONT,
            foreColor: '#8a8a8a', animations: { enabled: false }, toolbar: { show: false },
            zoom: { enabled: false }, selection: { enabled: false },
        },
        colors: list.map((b, i) => b.color ?? PALETTE[i % PALETTE.length]),
        stroke: { width: 2, curve: 'straight' },
        markers: { size: 0 },
        dataLabels: { enabled: false },
        legend: { show: false }, // our own HTML legend: ApexCharts forgets toggles on update
        grid: { borderColor: 'rgba(128,128,128,0.2)' },
        tooltip: {
            shared: false, intersect: false,
            x: { formatter: (v) => `${o.xTitle ?? 'x'} ${formatX(v)}` },
            y: { formatter: (v) => formatNumber(o.logY ? Math.pow(10, v) : v, 4) },
        },
        noData: { text: '' },
    };
}

/** x ticks at round numbers (ApexCharts splits the raw data range evenly: 1, 600.9, 1201, ...). */
function xAxis(s, list) {
    const axis = {
        type: 'numeric', title: { text: s.options.xTitle ?? undefined },
        labels: { formatter: formatX }, tooltip: { enabled: false },
    };
    let lo = Infinity, hi = -Infinity;
    for (const b of list) {
        if (b.hidden || b.plotted === 0) continue;
        lo = Math.min(lo, b.px[0]);
        hi = Math.max(hi, b.px[b.plotted - 1]); // x ascends within a series
    }
    if (!(lo <= hi)) return axis;
    const maxTicks = Math.min(12, Math.max(3, Math.floor((s.plotEl.clientWidth || 600) / 60)));
    return { ...axis, ...niceRange(lo, hi, maxTicks) };
}

/** A range that starts and ends on a multiple of a 1-2-2.5-5 step, with at most maxTicks intervals. */
function niceRange(lo, hi, maxTicks) {
    if (hi === lo) hi = lo + 1;
    const raw = (hi - lo) / maxTicks;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(st => st >= raw * (1 - 1e-9));
    const min = Math.floor(lo / step + 1e-9) * step;
    const max = Math.ceil(hi / step - 1e-9) * step;
    return { min, max, tickAmount: Math.round((max - min) / step) };
}

/** On a log chart ticks sit on whole powers of ten; the range always covers the reference line. */
function yAxis(s, list) {
    const o = s.options;
    const ref = refValue(s);
    const extent = yExtent(list, ref == null ? [] : [ref]);
    const axis = { title: { text: o.yTitle ?? undefined }, forceNiceScale: !o.logY };
    if (!extent) return axis;
    if (!o.logY) {
        axis.labels = { formatter: (v) => formatNumber(v, 3) };
        if (ref != null) { axis.min = extent[0]; axis.max = extent[1]; }
        return axis;
    }
    let lo = Math.floor(extent[0]), hi = Math.ceil(extent[1]);
    if (hi === lo) hi = lo + 1;
    const step = Math.ceil((hi - lo) / 8); // at most 8 labelled decades
    lo = Math.floor(lo / step) * step;
    hi = lo + Math.ceil((hi - lo) / step) * step;
    return { ...axis, min: lo, max: hi, tickAmount: (hi - lo) / step, labels: { formatter: formatPower } };
}

function refValue(s) {
    const v = s.options.referenceValue;
    if (v == null || !Number.isFinite(v)) return null;
    if (!s.options.logY) return v;
    return v > 0 ? Math.log10(v) : null;
}

function annotations(s) {
    const y = refValue(s);
    if (y == null) return { yaxis: [] };
    return {
        yaxis: [{
            y, borderColor: '#e53935', strokeDashArray: 5,
            // Right-aligned, small and translucent: the runs start on the left, and a run lying on
            // the floor must stay visible under the label.
            label: {
                text: s.options.referenceLabel ?? '', position: 'right', textAnchor: 'end',
                borderColor: 'transparent', offsetY: -2,
                style: { color: '#e53935', background: 'rgba(255, 255, 255, 0.6)', fontSize: '10px' },
            },
        }],
    };
}

function renderLegend(s) {
    if (!s.legendEl) return;
    s.legendEl.replaceChildren();
    [...s.series.values()].forEach((b, i) => {
        const item = document.createElement('button');
        item.type = 'button';
        item.className = 'live-chart-legend-item' + (b.hidden ? ' off' : '');
        item.title = 'Show or hide this series';
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = b.color ?? PALETTE[i % PALETTE.length];
        item.append(swatch, document.createTextNode(b.name));
        item.addEventListener('click', () => {
            b.hidden = !b.hidden;
            item.classList.toggle('off', b.hidden);
            schedule(s);
        });
        s.legendEl.append(item);
    });
}

// ---- Number formatting -----------------------------------------------------------------------

const SUPERSCRIPT = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

function formatPower(v) {
    const k = Math.round(v);
    if (Math.abs(v - k) > 1e-6) return formatNumber(Math.pow(10, v), 2);
    return '10' + String(k).replace(/./g, c => SUPERSCRIPT[c] ?? c);
}

function formatNumber(v, digits) {
    if (!Number.isFinite(v)) return String(v);
    if (v === 0) return '0';
    const a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
    return String(Number(v.toPrecision(digits)));
}

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 3 });

function formatX(v) {
    if (!Number.isFinite(v)) return '';
    return Math.abs(v) >= 1e4 ? compact.format(v) : String(Number(v.toPrecision(4)));
}
