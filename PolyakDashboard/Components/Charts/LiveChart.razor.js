// LiveChart: an ApexCharts line chart fed from typed-array buffers. Data reaches it either from C#
// (setSeries/append/clear) or straight from other JS (appendPoints/replaceSeries, used by
// training-hub.js), never through Blazor renders. Charts only mark themselves dirty; one scheduler
// per page redraws them (see "Scheduling" below), decimated, through the cheapest ApexCharts call.
import { loadApexCharts, apexChartsReady } from '../../js/apexcharts-loader.js';
import { SeriesBuffer, yExtent } from '../../js/series-buffer.js';
import { formatNumber, formatPower, raiseExponents } from '../../js/number-format.js';
import { copyPanelOf, onCopyClick, download, save, SCALE } from '../../js/chart-png.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const MAX_POINTS = 1000; // per series after decimation (fewer on narrow plots: 2 per pixel column)
// Named explicitly (not 'inherit') so that the PNG export, drawn outside the page, keeps it.
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const PALETTE = ['#3f51b5', '#e53935', '#00897b', '#fb8c00', '#8e24aa', '#039be5',
    '#7cb342', '#d81b60', '#6d4c41', '#546e7a'];

// Shared through globalThis so that every importer sees the same charts even if the module were
// loaded twice under different URLs (C# import vs. import from training-hub.js).
const charts = (globalThis.__polyakLiveCharts ??= new Map());
const disposed = (globalThis.__polyakLiveChartsDisposed ??= new Set());

// Presentation mode (wwwroot/js/lecture.js puts the class on <html>): thicker lines and larger axis text, for the back
// of a hall. Switching it rebuilds every chart (the stroke width is part of a chart's construction).
const presenting = () => document.documentElement.classList.contains('presentation');
if (!globalThis.__polyakLiveChartsPresentation) {
    globalThis.__polyakLiveChartsPresentation = true;
    document.addEventListener('polyak-presentation', () => {
        for (const s of charts.values()) {
            s.shapeKey = '';
            if (s.series.size) schedule(s);
        }
    });
}

function stateOf(id) {
    let s = charts.get(id);
    if (!s) {
        s = {
            id, el: null, plotEl: null, legendEl: null, options: {}, smoothing: 0,
            series: new Map(), chart: null, rendering: null, shapeKey: '',
            axesKey: '', dataKey: '', // what the chart last received (see draw)
            dirty: false, lastDraw: -Infinity, lastData: -Infinity, visible: true,
        };
        charts.set(id, s);
    }
    return s;
}

const bytesToDoubles = (bytes) => new Float64Array(bytes.slice().buffer); // slice: 8-byte alignment

// ---- API for C# ------------------------------------------------------------------------------

export function init(id, options) {
    const s = stateOf(id);
    if (s.el) scheduler.unobserve(s);
    s.el = document.getElementById(id);
    s.plotEl = s.el.querySelector('[data-plot]');
    s.legendEl = s.el.querySelector('[data-legend]');
    s.options = options;
    s.smoothing = options.smoothing ?? 0;
    s.shapeKey = '';
    onCopyClick(s.el, (fileName) => copyPng(id, fileName));
    scheduler.observe(s);
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
    s.lastData = performance.now();
    s.series.clear();
    for (const item of list) {
        const buf = new SeriesBuffer(item.id, item.name, item.color);
        buf.dashed = !!item.dashed;
        buf.replace(bytesToDoubles(item.x), bytesToDoubles(item.y));
        s.series.set(item.id, buf);
    }
    schedule(s);
}

export function append(id, seriesId, x, y) {
    appendPoints(id, seriesId, bytesToDoubles(x), bytesToDoubles(y));
}

// The smallest scroll that shows the chart's card whole (the chart alone when the card is taller than the window);
// CSS scroll-margin keeps it clear of the fixed app bar.
export function reveal(id) {
    const chart = document.getElementById(id);
    if (!chart) return;
    const card = chart.closest('.mud-paper') ?? chart;
    const fits = card.getBoundingClientRect().height <= window.innerHeight - 80;
    const target = fits ? card : chart;
    const show = () => target.scrollIntoView({ block: 'nearest', behavior: 'instant' });
    show();
    // The form above folds with an animation and other parts of the page may still settle: for a moment, scroll again
    // on any frame where the target has moved out of view (not on a timer, which a busy machine can outlast).
    const until = performance.now() + 1500;
    const follow = () => {
        const r = target.getBoundingClientRect();
        if (r.top < 0 || r.bottom > window.innerHeight) show();
        if (performance.now() < until) requestAnimationFrame(follow);
    };
    requestAnimationFrame(follow);
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
    if (s) {
        scheduler.forget(s);
        destroyChart(s);
    }
    charts.delete(id);
    disposed.add(id);
}

// ---- API for other JS ------------------------------------------------------------------------

/** Appends points to a series (created on demand, named after its id). xs/ys: arrays or typed arrays. */
export function appendPoints(id, seriesId, xs, ys) {
    if (disposed.has(id)) return;
    const s = stateOf(id);
    seriesOf(s, seriesId).append(xs, ys);
    s.lastData = performance.now();
    schedule(s);
}

/** Replaces one series' data, keeping its name, colour and legend state. */
export function replaceSeries(id, seriesId, xs, ys) {
    if (disposed.has(id)) return;
    const s = stateOf(id);
    seriesOf(s, seriesId).replace(xs, ys);
    s.lastData = performance.now();
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
    download(new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }), fileName);
}

export async function downloadPng(id, fileName) {
    const s = stateOf(id);
    if (s.dirty && s.chart && !s.rendering) draw(s, performance.now()); // the picture shows all data
    if (!s.chart) return;
    const { imgURI } = await s.chart.dataURI({ scale: 2 });
    save(imgURI, fileName);
}

/**
 * Copy panel as PNG: the chart with its title and legend at 2× (shown series only), to the clipboard or, where that
 * is refused, as a download. Resolves to { how: 'copied' | 'downloaded', width, height } (browser tests read it).
 */
export async function copyPng(id, fileName) {
    const s = stateOf(id);
    if (!s.plotEl) return null;
    return copyPanelOf(s.el, fileName, async () => {
        // An off-screen chart is paused: bring it up to date first, whatever the scheduler's turn.
        if (s.dirty && !s.rendering) draw(s, performance.now());
        if (s.rendering) await s.rendering;
        if (!s.chart) return null;
        const { imgURI } = await s.chart.dataURI({ scale: SCALE });
        const list = [...s.series.values()];
        const legend = list.filter(b => !b.hidden).map(b => ({ name: b.name, color: b.color ?? PALETTE[list.indexOf(b) % PALETTE.length], dashed: b.dashed }));
        return { image: imgURI, title: s.el.querySelector('.live-chart-title')?.textContent?.trim() ?? '', legend };
    });
}

// ---- Scheduling ------------------------------------------------------------------------------
//
// ApexCharts re-renders a whole chart on every update (~10-30 ms with apexcharts-loader.js's patches and our own x
// labels; 90-460 ms under load before them), so a page with a dozen streaming
// charts that each redraw on their own saturates the main thread. Instead every chart of the page
// shares one loop on requestAnimationFrame that redraws the dirty ones, least recently drawn first
// (round robin), visible charts before the others, within a budget:
//  - chart work per frame stops once FRAME_BUDGET_MS is spent (one redraw always fits), and over
//    time takes at most MAX_SHARE of the main thread (a token bucket: a long redraw is paid back by
//    the frames after it), so many charts each update less often instead of freezing the page;
//  - a chart redraws at most MAX_PER_SECOND times a second;
//  - a chart out of view (IntersectionObserver) does not redraw while its data streams: its data keeps
//    arriving in its buffers, and it catches up, first in line, as soon as it scrolls into view, or once
//    its data has paused for OFFSCREEN_QUIET_MS (a finished run, a chart drawn once; a PNG copy or
//    download brings it up to date too). So the charts on screen share the whole budget (it used to
//    redraw every 2 s: ten charts out of view on /1b took five redraws a second from the two in view).
//    Its first render is never deferred: it replaces the "Waiting for data" placeholder.

const FRAME_BUDGET_MS = 12;
const MAX_SHARE = 0.5;
const MAX_PER_SECOND = 15;
const MIN_INTERVAL_MS = 1000 / MAX_PER_SECOND - 2; // - 2: frames land on a ~16.7 ms grid
const OFFSCREEN_QUIET_MS = 1000;

const scheduler = (globalThis.__polyakLiveChartScheduler ??= createScheduler());

/** Marks a chart as needing a redraw; the page's scheduler does it when its turn comes. */
function schedule(s) {
    s.dirty = true;
    scheduler.wake();
}

function createScheduler() {
    const dirty = () => [...charts.values()].filter(s => s.dirty);
    let credit = FRAME_BUDGET_MS; // ms of chart work allowed now (negative: debt)
    let creditAt = performance.now();
    let frameRequested = false, timer = 0, loading = false;

    const observer = typeof IntersectionObserver === 'function'
        ? new IntersectionObserver((entries) => {
            let woke = false;
            for (const e of entries) {
                const s = e.target.__polyakLiveChart;
                if (!s) continue;
                s.visible = e.isIntersecting;
                woke ||= s.visible && s.dirty;
            }
            if (woke) wake();
        }, { rootMargin: '0px' })
        : null;

    /** When chart s may redraw (Infinity: not until something else happens). */
    function dueAt(s) {
        if (!s.dirty || s.rendering || !s.plotEl?.isConnected) return Infinity;
        if (!s.chart) return -Infinity; // first render (or a rebuild): at once
        if (s.visible) return s.lastDraw + MIN_INTERVAL_MS;
        return Math.max(s.lastDraw + MIN_INTERVAL_MS, s.lastData + OFFSCREEN_QUIET_MS);
    }

    function wake() {
        if (frameRequested) return;
        clearTimeout(timer);
        timer = 0;
        frameRequested = true;
        requestAnimationFrame(frame);
    }

    function frame() {
        frameRequested = false;
        if (!apexChartsReady()) {
            if (!loading && dirty().length) {
                loading = true;
                loadApexCharts()
                    .then(() => wake(), console.error)
                    .finally(() => { loading = false; });
            }
            return;
        }
        const start = performance.now();
        credit = Math.min(FRAME_BUDGET_MS, credit + (start - creditAt) * MAX_SHARE);
        creditAt = start;
        const ready = dirty().filter(s => dueAt(s) <= start)
            .sort((a, b) => (b.visible - a.visible) || (a.lastDraw - b.lastDraw));
        for (const s of ready) {
            const now = performance.now();
            if (credit <= 0 || now - start >= FRAME_BUDGET_MS) break;
            try {
                draw(s, now);
            } catch (e) {
                console.error(e);
            }
            credit -= performance.now() - now;
        }
        const end = performance.now();
        credit = Math.min(FRAME_BUDGET_MS, credit + (end - creditAt) * MAX_SHARE);
        creditAt = end;
        // Sleep until the next chart is due (and the budget allows it), by timer if that is far off.
        const next = Math.min(...dirty().map(dueAt));
        if (next === Infinity) return;
        const wait = Math.max(next - end, credit > 0 ? 0 : -credit / MAX_SHARE);
        if (wait < 20) wake();
        else timer = setTimeout(() => { timer = 0; wake(); }, wait - 10);
    }

    return {
        wake,
        observe(s) {
            s.el.__polyakLiveChart = s;
            observer?.observe(s.el);
        },
        unobserve(s) {
            observer?.unobserve(s.el);
            delete s.el.__polyakLiveChart;
        },
        forget(s) {
            s.dirty = false;
            if (s.el) this.unobserve(s);
        },
    };
}

// ---- Drawing ---------------------------------------------------------------------------------

/**
 * Brings the chart up to date. New or renamed series rebuild it; otherwise only the data went to
 * ApexCharts (updateSeries) unless the axes, titles or reference line changed too (updateOptions,
 * which copies and compares every option, data included, so it is kept for those rare moments).
 * Nothing at all is called when neither changed (e.g. the smoothing slider let go where it was).
 */
function draw(s, now) {
    if (!s.dirty || !charts.has(s.id) || !s.plotEl?.isConnected || s.rendering) return;
    s.dirty = false;
    s.lastDraw = now;

    const list = [...s.series.values()];
    const logY = !!s.options.logY;
    for (const buf of list) buf.updatePlotted(logY, s.smoothing);
    const shapeKey = list.map(b => `${b.id}\u0001${b.name}\u0001${b.color}\u0001${b.dashed}`).join('\u0002');
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

    const width = s.plotEl.clientWidth || 600;
    const target = Math.max(100, Math.min(MAX_POINTS, 2 * Math.round(width)));
    const dataKey = list.map(b => (b.hidden ? 'h' : `${b.version}`)).join(',') + `|${target}`;
    const series = list.map(b => ({ name: b.name, data: b.hidden ? [] : b.decimated(target) }));
    const yaxis = yAxis(s, list);
    const axes = {
        xaxis: xAxis(s, list, width), yaxis, annotations: annotations(s, yaxis),
        // A series of a single point (e.g. epoch 0 of a live run) draws no line: show it as a dot.
        markers: { size: list.map(b => (!b.hidden && b.plotted === 1 ? 4 : 0)), strokeWidth: 0 },
    };
    // Formatters are fixed per chart (they drop out of the key); everything else is plain data.
    const axesKey = JSON.stringify(axes);

    if (!s.chart) {
        const chart = new ApexCharts(s.plotEl, { ...baseOptions(s, list), ...axes, series });
        keepLegendCssStill(chart);
        s.chart = chart;
        s.axesKey = axesKey;
        s.dataKey = dataKey;
        s.rendering = chart.render().finally(() => {
            if (s.chart !== chart) return; // destroyed meanwhile
            s.rendering = null;
            if (s.dirty) scheduler.wake();
        });
    } else if (axesKey !== s.axesKey) {
        s.axesKey = axesKey;
        s.dataKey = dataKey;
        s.chart.updateOptions({ ...axes, series }, false, false, false);
    } else if (dataKey !== s.dataKey) {
        s.dataKey = dataKey;
        s.chart.updateSeries(series, false);
    }
}

/**
 * ApexCharts 4.7 appends a new <style> (its legend's CSS) inside the chart's SVG on every render and
 * update, legend shown or not. Each one changes the document's set of style sheets, so the getBBox
 * text measurements that follow restyle the whole page: on a page like /1b that doubled the cost of
 * an update (~40 ms instead of ~20). The same rules, put in <head> once, style every chart alike.
 * Patched on the shared prototype, once, and only if ApexCharts still has that shape.
 */
function keepLegendCssStill(chart) {
    const helpers = chart.legend?.legendHelpers;
    const proto = helpers && Object.getPrototypeOf(helpers);
    if (!proto || proto.__polyakOneLegendCss || typeof proto.appendToForeignObject !== 'function'
        || typeof proto.getLegendStyles !== 'function') return;
    proto.appendToForeignObject = function () {
        if (document.getElementById('apexcharts-legend-css')) return;
        const style = this.getLegendStyles();
        style.id = 'apexcharts-legend-css';
        document.head.appendChild(style);
    };
    proto.__polyakOneLegendCss = true;
}

function destroyChart(s) {
    if (s.chart) s.chart.destroy();
    s.chart = null;
    s.rendering = null;
    s.axesKey = '';
    s.dataKey = '';
    if (s.plotEl) s.plotEl.replaceChildren();
}

function baseOptions(s, list) {
    const o = s.options;
    const big = presenting();
    return {
        chart: {
            type: 'line', height: o.height ?? 300, background: 'transparent', fontFamily: FONT,
            foreColor: '#8a8a8a', animations: { enabled: false }, toolbar: { show: false },
            zoom: { enabled: false }, selection: { enabled: false },
            events: { mounted: ctx => redrawn(s, ctx), updated: ctx => redrawn(s, ctx) },
        },
        colors: list.map((b, i) => b.color ?? PALETTE[i % PALETTE.length]),
        stroke: { width: big ? 3 : 2, curve: 'straight', dashArray: list.map(b => (b.dashed ? (big ? 9 : 6) : 0)) },
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

/**
 * x labels at round numbers (ApexCharts splits the raw data range evenly: 1, 600.9, 1201, ...), and the axis ends
 * at the data, not at the next round label (a 16,080-step run ran to 20,000): it ends at the first tenth of a label
 * step past the last point (a live run's axis so changes, through updateOptions, every tenth of a step, not every
 * frame). The labels are not ApexCharts' own: it draws one per tick, evenly spaced from min to max, so round labels
 * on such an axis took a tick every tenth of a step (~60 a chart), each a few elements created, measured and styled
 * on every redraw, three quarters of the chart's SVG. ApexCharts gets two ticks (min and max) and labels the first
 * only, which reserves the labels' height; drawXLabels then puts the labels at whole steps in its place.
 */
function xAxis(s, list, width) {
    const style = axisStyle();
    const axis = {
        type: 'numeric', title: { text: s.options.xTitle ?? undefined, style },
        labels: { formatter: formatX, style }, tooltip: { enabled: false }, axisTicks: { show: false },
    };
    s.xLabels = null;
    let lo = Infinity, hi = -Infinity;
    for (const b of list) {
        if (b.hidden || b.plotted === 0) continue;
        lo = Math.min(lo, b.px[0]);
        hi = Math.max(hi, b.px[b.plotted - 1]); // x ascends within a series
    }
    if (!(lo <= hi)) return axis;
    const maxTicks = Math.min(12, Math.max(3, Math.floor(width / (presenting() ? 90 : 60))));
    const nice = niceRange(lo, hi, maxTicks);
    const step = (nice.max - nice.min) / nice.tickAmount;
    const tenth = step / 10;
    const max = Math.min(nice.max, nice.min + Math.ceil((hi - nice.min) / tenth - 1e-9) * tenth);
    if (!(max > nice.min)) return { ...axis, ...nice };
    const values = [];
    for (let k = 0; nice.min + k * step <= max + 1e-9 * step; k++) values.push(nice.min + k * step);
    s.xLabels = { min: nice.min, max, values };
    // rotate 0: a label never needs tilting (they are spaced for their size).
    return { ...axis, min: nice.min, max, tickAmount: 1, labels: { formatter: v => (v === nice.min ? formatX(v) : ''), rotate: 0, style } };
}

/** After ApexCharts' render or update: our x labels, then raised exponents. */
function redrawn(s, ctx) {
    drawXLabels(s, ctx);
    raiseExponents(ctx.el);
}

/**
 * The x labels at whole steps (see xAxis), copies of ApexCharts' one label at the axis' start (its place, font, colour
 * and classes: the theme's and presentation mode's CSS applies as to ApexCharts' own), spaced by the plot's width.
 * A label that would run past the chart's right edge (the last one, on an axis ending on a whole step) is left out.
 */
function drawXLabels(s, ctx) {
    const labels = s.xLabels;
    const group = ctx.el?.querySelector('.apexcharts-xaxis-texts-g');
    const first = group?.querySelector('text.apexcharts-xaxis-label');
    const gridWidth = ctx.w?.globals?.gridWidth;
    if (!labels || !first || !(gridWidth > 0)) return;
    const x0 = +first.getAttribute('x');
    const right = x0 + ctx.w.globals.svgWidth - ctx.w.globals.translateX; // the svg's right edge, in the labels' x
    const em = parseFloat(first.getAttribute('font-size')) || 12;
    for (const old of group.querySelectorAll('text.apexcharts-xaxis-label')) if (old !== first) old.remove();
    for (const v of labels.values) {
        const x = x0 + (v - labels.min) / (labels.max - labels.min) * gridWidth;
        const text = formatX(v);
        if (x + 0.3 * em * text.length > right) continue; // ~0.6 em a character, half of it right of x
        const label = first.cloneNode(false);
        label.setAttribute('x', x);
        const span = document.createElementNS(SVG_NS, 'tspan');
        span.textContent = text;
        label.appendChild(span);
        group.appendChild(label);
    }
    first.remove();
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

/**
 * On a log chart ticks sit on whole powers of ten; the range always covers the reference line. Both
 * are padded: a flat series (a constant step size) or the reference line lying on the bottom axis
 * is hidden by it, and the reference label is drawn just under its line (see annotations).
 */
function yAxis(s, list) {
    const o = s.options;
    const ref = refValue(s);
    const extent = yExtent(list, ref == null ? [] : [ref]);
    const style = axisStyle();
    const axis = { title: { text: o.yTitle ?? undefined, style }, forceNiceScale: !o.logY };
    if (!extent) return axis;
    if (!o.logY) {
        const span = extent[1] - extent[0] || Math.abs(extent[0]) || 1;
        const below = ref != null && ref <= extent[0] + 0.1 * span ? 0.15 : 0.05; // room for the label
        // Padding does not take non-negative data (a loss, a step size) below zero.
        const lo = extent[0] >= 0 ? Math.max(0, extent[0] - below * span) : extent[0] - below * span;
        const nice = niceRange(lo, extent[1] + 0.05 * span, maxYLabels(o, 6));
        return { ...axis, ...nice, forceNiceScale: false, labels: { formatter: formatLinear, style } };
    }
    let lo = Math.floor(extent[0]), hi = Math.ceil(extent[1]);
    if (hi === lo) hi = lo + 1;
    const step = Math.ceil((hi - lo) / maxYLabels(o, 8)); // at most 8 labelled decades (fewer at a projector's text size)
    lo = Math.floor(lo / step) * step;
    hi = lo + Math.ceil((hi - lo) / step) * step;
    // A bottom value closer to the axis than 4% of the height (or a reference line closer than
    // 10%, its label hangs below it) gets one more step underneath.
    if (extent[0] - lo < 0.04 * (hi - lo) || (ref != null && ref - lo < 0.1 * (hi - lo))) lo -= step;
    if (hi - extent[1] < 0.02 * (hi - lo)) hi += step;
    // One decade shows only 10^k and 10^(k+1): label quarter decades in between too.
    const tickAmount = hi - lo === 1 ? 4 : (hi - lo) / step;
    return { ...axis, min: lo, max: hi, tickAmount, labels: { formatter: formatPower, style } };
}

function refValue(s) {
    const v = s.options.referenceValue;
    if (v == null || !Number.isFinite(v)) return null;
    if (!s.options.logY) return v;
    return v > 0 ? Math.log10(v) : null;
}

function annotations(s, yaxis) {
    const y = refValue(s);
    if (y == null) return { yaxis: [] };
    // Under the line where the axis leaves room for it (10% of the height), else just above it.
    const below = !(yaxis.max > yaxis.min) || (y - yaxis.min) / (yaxis.max - yaxis.min) >= 0.1;
    return {
        yaxis: [{
            y, borderColor: '#e53935', strokeDashArray: 5,
            // At the left end, just under the line (yAxis leaves room there unless zero is in the
            // way): runs start high on the left and lie above a floor, so the label covers no data.
            // These colours are for the PNG export only; on the page LiveChart.razor.css gives it
            // the theme's text on its surface.
            label: {
                text: s.options.referenceLabel ?? '', position: 'left', textAnchor: 'start',
                borderColor: 'transparent', offsetX: 4, offsetY: below ? 17 : 0,
                style: {
                    color: '#e53935', background: 'rgba(255, 255, 255, 0.8)', fontSize: presenting() ? '16px' : '10px',
                    cssClass: 'live-chart-reference-label',
                },
            },
        }],
    };
}

/** Intervals between y labels: at a projector's 18 px (labels with a raised exponent ~27 px tall), what the plot's height holds. */
function maxYLabels(o, usual) {
    if (!presenting()) return usual;
    return Math.max(2, Math.min(usual, Math.floor(((o.height ?? 300) - 60) / 44)));
}

/** Axis labels and titles: 12 px on a screen (LiveChart.razor.css), 18 px at a projector. Also in PNG copies. */
function axisStyle() {
    return { fontSize: presenting() ? '18px' : '12px' };
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
        if (b.dashed) swatch.classList.add('dashed');
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

const formatLinear = (v) => formatNumber(v, 3);


const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 3 });

function formatX(v) {
    if (!Number.isFinite(v)) return '';
    return Math.abs(v) >= 1e4 ? compact.format(v) : String(Number(v.toPrecision(4)));
}
