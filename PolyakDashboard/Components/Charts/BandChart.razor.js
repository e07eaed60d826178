// BandChart: medians as lines and their 10–90 % bands as ApexCharts rangeArea series, drawn once per data set.
import { loadApexCharts } from '../../js/apexcharts-loader.js';
import { formatNumber as number, formatPower as power, raiseExponents } from '../../js/number-format.js';
import { copyPanelOf, onCopyClick, SCALE } from '../../js/chart-png.js';

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const charts = new Map();
const drawn = new Map();   // id -> the last render's arguments (presentation mode redraws with them)
// Presentation mode (wwwroot/js/lecture.js): 18 px axis text and legend, 3 px lines, fewer y labels.
const presenting = () => document.documentElement.classList.contains('presentation');
document.addEventListener('polyak-presentation', () => {
    for (const [id, args] of drawn) render(id, ...args).catch(console.error);
});
const doubles = (bytes) => bytes ? new Float64Array(bytes.slice().buffer) : null;

export async function render(id, options, list) {
    await loadApexCharts();
    const root = document.getElementById(id);
    const el = root?.querySelector('[data-plot]');
    if (!el) return;
    drawn.set(id, [options, list]);
    onCopyClick(root, (fileName) => copyPng(id, fileName));
    const big = presenting();
    const style = { fontSize: big ? '18px' : '12px' };
    charts.get(id)?.destroy();
    const t = (v) => !Number.isFinite(v) ? null : options.logY ? (v > 0 ? Math.log10(v) : null) : v;
    const bands = [], lines = [];
    for (const s of list) {
        const x = doubles(s.x), mid = doubles(s.mid), lo = doubles(s.lo), hi = doubles(s.hi);
        if (lo && hi) {
            const data = [];
            for (let i = 0; i < x.length; i++) {
                const a = t(lo[i]), b = t(hi[i]);
                if (a !== null && b !== null) data.push({ x: options.categoricalX ? String(x[i]) : x[i], y: [a, b] });
            }
            bands.push({ name: `${s.name} · 10–90 %`, type: 'rangeArea', color: s.color, data });
        }
        const data = [];
        for (let i = 0; i < x.length; i++) { const y = t(mid[i]); if (y !== null) data.push({ x: options.categoricalX ? String(x[i]) : x[i], y }); }
        lines.push({ name: s.name, type: 'line', color: s.color, data });
    }
    const series = [...bands, ...lines];
    const integerX = list.every(s => doubles(s.x).every(Number.isInteger));
    const values = series.flatMap(s => s.data.flatMap(p => Array.isArray(p.y) ? p.y : [p.y]));
    let min = values.length ? Math.min(...values) : 0, max = values.length ? Math.max(...values) : 1;   // no points yet: an empty frame
    if (options.reference != null) { const r = t(options.reference); if (r !== null) { min = Math.min(min, r); max = Math.max(max, r); } }
    if (!(max > min)) { min -= 1; max += 1; }
    if (options.yMin != null) min = options.yMin;
    if (options.yMax != null) max = options.yMax;
    const fixed = options.yMin != null && options.yMax != null;
    const yaxis = fixed ? { min, max, tickAmount: 4, labels: { formatter: (v) => number(v, 3), style } }
        : options.logY
        ? { ...logAxis(min, max, big ? 4 : 8), labels: { formatter: power, style } }
        : { min: min - 0.05 * (max - min), max: max + 0.05 * (max - min), ...(big ? { tickAmount: 4 } : {}), labels: { formatter: (v) => number(v, 3), style } };
    const reference = options.reference != null && t(options.reference) !== null
        ? [{ y: t(options.reference), borderColor: '#757575', strokeDashArray: 6, label: { text: options.referenceLabel ?? '', borderWidth: 0, style: { background: 'transparent', color: '#616161' } } }]
        : [];
    const chart = new ApexCharts(el, {
        chart: { type: 'rangeArea', height: options.height, fontFamily: FONT, animations: { enabled: false }, toolbar: { show: false }, zoom: { enabled: false },
                 events: { mounted: ctx => raiseExponents(ctx.el), updated: ctx => raiseExponents(ctx.el) } },
        series,
        stroke: { curve: 'straight', width: series.map(s => s.type === 'rangeArea' ? 0 : big ? 3 : 2) },
        fill: { opacity: series.map(s => s.type === 'rangeArea' ? 0.22 : 1) },
        dataLabels: { enabled: false },
        markers: { size: series.map(s => s.type === 'line' && s.data.length <= 12 ? 4 : 0) },
        legend: { show: true, position: 'top', horizontalAlign: 'left', fontSize: big ? '18px' : '13px', customLegendItems: lines.map(l => l.name), markers: { fillColors: lines.map(l => l.color) } },
        xaxis: options.categoricalX
            ? { type: 'category', title: { text: options.xTitle ?? undefined, style }, tooltip: { enabled: false }, labels: { style } }
            : { type: 'numeric', title: { text: options.xTitle ?? undefined, style }, tooltip: { enabled: false },
                // A fixed end (bands filling in): from 0, four even steps, whatever the points so far.
                ...(options.xMax != null ? { min: 0, max: options.xMax, tickAmount: 4 } : {}),
                ...(big && options.xMax == null ? { tickAmount: 5 } : {}),
                labels: { formatter: (v) => integerX ? String(Math.round(v)) : number(v, 4), style } },
        yaxis: { ...yaxis, title: { text: options.yTitle ?? undefined, style } },
        annotations: { yaxis: reference },
        tooltip: { shared: false, y: { formatter: (v) => Array.isArray(v) ? v.map(f).join(' – ') : f(v) } },
    });
    function f(v) { return number(options.logY ? Math.pow(10, v) : v, 4); }
    charts.set(id, chart);
    await chart.render();
}

// Ticks at whole powers of ten only: a range of 31 decades gets a tick every 4 (10⁻³¹, 10⁻²⁷, …), never 10^-29.5.
function logAxis(min, max, most) {
    const lo = Math.floor(min), span = Math.max(1, Math.ceil(max) - lo);
    const step = Math.ceil(span / most), ticks = Math.ceil(span / step);
    return { min: lo, max: lo + ticks * step, tickAmount: ticks };
}

/** Copy panel as PNG: the chart (its legend is ApexCharts' own, inside the image) under its title, at 2×. */
export async function copyPng(id, fileName) {
    const chart = charts.get(id);
    return copyPanelOf(document.getElementById(id), fileName, async () => {
        if (!chart) return null;
        const { imgURI } = await chart.dataURI({ scale: SCALE });
        return { image: imgURI, title: document.getElementById(id).querySelector('.band-chart-title')?.textContent?.trim() ?? '', legend: [] };
    });
}

export function dispose(id) {
    charts.get(id)?.destroy();
    charts.delete(id);
    drawn.delete(id);
}
