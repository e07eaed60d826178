// BandChart: medians as lines and their 10–90 % bands as ApexCharts rangeArea series, drawn once per data set.
import { loadScript } from '../../js/load-script.js';
import { formatNumber as number, formatPower as power, raiseExponents } from '../../js/number-format.js';

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const charts = new Map();
const doubles = (bytes) => bytes ? new Float64Array(bytes.slice().buffer) : null;

export async function render(id, options, list) {
    if (!globalThis.ApexCharts) await loadScript('lib/apexcharts/apexcharts.min.js');
    const el = document.getElementById(id)?.querySelector('[data-plot]');
    if (!el) return;
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
    const yaxis = fixed ? { min, max, tickAmount: 4, labels: { formatter: (v) => number(v, 3) } }
        : options.logY
        ? logAxis(min, max)
        : { min: min - 0.05 * (max - min), max: max + 0.05 * (max - min), labels: { formatter: (v) => number(v, 3) } };
    const reference = options.reference != null && t(options.reference) !== null
        ? [{ y: t(options.reference), borderColor: '#757575', strokeDashArray: 6, label: { text: options.referenceLabel ?? '', borderWidth: 0, style: { background: 'transparent', color: '#616161' } } }]
        : [];
    const chart = new ApexCharts(el, {
        chart: { type: 'rangeArea', height: options.height, fontFamily: FONT, animations: { enabled: false }, toolbar: { show: false }, zoom: { enabled: false },
                 events: { mounted: ctx => raiseExponents(ctx.el), updated: ctx => raiseExponents(ctx.el) } },
        series,
        stroke: { curve: 'straight', width: series.map(s => s.type === 'rangeArea' ? 0 : 2) },
        fill: { opacity: series.map(s => s.type === 'rangeArea' ? 0.22 : 1) },
        dataLabels: { enabled: false },
        markers: { size: series.map(s => s.type === 'line' && s.data.length <= 12 ? 4 : 0) },
        legend: { show: true, position: 'top', horizontalAlign: 'left', customLegendItems: lines.map(l => l.name), markers: { fillColors: lines.map(l => l.color) } },
        xaxis: options.categoricalX
            ? { type: 'category', title: { text: options.xTitle ?? undefined }, tooltip: { enabled: false } }
            : { type: 'numeric', title: { text: options.xTitle ?? undefined }, tooltip: { enabled: false },
                // A fixed end (bands filling in): from 0, four even steps, whatever the points so far.
                ...(options.xMax != null ? { min: 0, max: options.xMax, tickAmount: 4 } : {}),
                labels: { formatter: (v) => integerX ? String(Math.round(v)) : number(v, 4) } },
        yaxis: { ...yaxis, title: { text: options.yTitle ?? undefined } },
        annotations: { yaxis: reference },
        tooltip: { shared: false, y: { formatter: (v) => Array.isArray(v) ? v.map(f).join(' – ') : f(v) } },
    });
    function f(v) { return number(options.logY ? Math.pow(10, v) : v, 4); }
    charts.set(id, chart);
    await chart.render();
}

// Ticks at whole powers of ten only: a range of 31 decades gets a tick every 4 (10⁻³¹, 10⁻²⁷, …), never 10^-29.5.
function logAxis(min, max) {
    const lo = Math.floor(min), span = Math.max(1, Math.ceil(max) - lo);
    const step = Math.ceil(span / 8), ticks = Math.ceil(span / step);
    return { min: lo, max: lo + ticks * step, tickAmount: ticks, labels: { formatter: power } };
}

export function dispose(id) {
    charts.get(id)?.destroy();
    charts.delete(id);
}
