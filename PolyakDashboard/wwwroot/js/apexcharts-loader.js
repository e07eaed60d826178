// ApexCharts 4.7, loaded once per page, with patches to what made its redraw slow: reads of the layout between its
// writes, each forcing the browser to lay out or restyle the page. ApexCharts redraws a whole chart on every update,
// and for each axis label (x labels on every tick, empty ones too: ~60 on a live chart) it
//  1. measures the text: draws it, reads its getBBox() and removes it — a forced layout each time;
//  2. writes it through svg.js, whose Text.rebuild() reads getComputedStyle(font-size) of every line, a forced style
//     recalculation, although the value is used only for multi-line text (ApexCharts' labels have one line);
// and 3. draws its rectangles (grid masks, crosshairs) with svg.js's rect(), whose size() without a size reads the new
// rectangle's getBBox() to arrive at width 0 and height 0 anyway.
// On /1b at a projector's size that was ~100 forced layouts and ~170-270 style recalculations per redraw; measured
// in that page (a 600 px chart, 50 ticks, the same load), 1 and 2 took a redraw from 370-480 ms to ~45 ms.
// All are on shared prototypes, applied once, and only if the library still has the shape they expect.
import { loadScript } from './load-script.js';

const state = (globalThis.__polyakApexCharts ??= { patched: false, measures: new Map() });

/** True once ApexCharts is loaded and patched (the live charts' scheduler asks on every frame). */
export const apexChartsReady = () => state.patched && !!globalThis.ApexCharts;

/** Loads ApexCharts (once) and patches it; resolves to the ApexCharts class. */
export async function loadApexCharts() {
    await loadScript('lib/apexcharts/apexcharts.min.js');
    if (!state.patched) {
        state.patched = true;
        try {
            memoizeTextMeasurement();
            skipSingleLineRebuild();
            sizeWithoutMeasuring();
        } catch (e) {
            console.warn('ApexCharts left unpatched:', e);
        }
    }
    return globalThis.ApexCharts;
}

/**
 * A text's size depends only on the text, its font size, family and rotation (the measuring element has no class that
 * sizes it), so each is measured once per page. Empty sizes of non-empty text (a chart not laid out, display: none)
 * are not kept; the cache is dropped when web fonts finish loading and when it grows past MAX_MEASURES.
 */
function memoizeTextMeasurement() {
    const probe = new ApexCharts(document.createElement('div'), { chart: { type: 'line' }, series: [] });
    const proto = probe.graphics && Object.getPrototypeOf(probe.graphics);
    const measure = proto?.getTextRects;
    if (typeof measure !== 'function' || measure.length < 4) return;
    const MAX_MEASURES = 5000;
    const cache = state.measures;
    document.fonts?.addEventListener?.('loadingdone', () => cache.clear());
    proto.getTextRects = function (text, fontSize, fontFamily, transform, useBBox = true) {
        const family = fontFamily ?? this.w?.config?.chart?.fontFamily;
        const key = JSON.stringify([text, fontSize, family, transform ?? null, useBBox]);
        let size = cache.get(key);
        if (!size) {
            size = measure.call(this, text, fontSize, fontFamily, transform, useBBox);
            if (size.width > 0 || String(text) === '') {
                if (cache.size >= MAX_MEASURES) cache.clear();
                cache.set(key, { width: size.width, height: size.height });
            }
            return size;
        }
        return { width: size.width, height: size.height };
    };
}

/** svg.js Text.rebuild() lays out multi-line text; for a text without new lines it does nothing but read styles. */
function skipSingleLineRebuild() {
    const sample = globalThis.SVG?.().plain('');
    let proto = sample && Object.getPrototypeOf(sample);
    while (proto && !Object.prototype.hasOwnProperty.call(proto, 'rebuild')) proto = Object.getPrototypeOf(proto);
    const rebuild = proto?.rebuild;
    if (typeof rebuild !== 'function' || !/newLined/.test(String(rebuild)) || typeof proto.fire !== 'function') return;
    proto.rebuild = function (flag) {
        if (typeof flag === 'boolean') this._rebuild = flag;
        if (!this._rebuild) return this;
        for (const line of this.node.children) {
            if (line.instance?.dom?.newLined) return rebuild.call(this, flag);
        }
        this.fire('rebuild');
        return this;
    };
}

/** svg.js size(w, h) with neither given measures the element and still sets width and height 0 (NaN and undefined
 * become 0 in its numbers): set them without the measurement. */
function sizeWithoutMeasuring() {
    const sample = globalThis.SVG?.().rect(1, 1);
    let proto = sample && Object.getPrototypeOf(sample);
    while (proto && !Object.prototype.hasOwnProperty.call(proto, 'size')) proto = Object.getPrototypeOf(proto);
    const size = proto?.size;
    if (typeof size !== 'function' || !/width\(.*height\(/.test(String(size))) return;
    proto.size = function (width, height) {
        if (width == null && height == null) return this.width(0).height(0);
        return size.call(this, width, height);
    };
}
