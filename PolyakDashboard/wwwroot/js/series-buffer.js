// Raw series data in growable typed arrays, plus what a chart draws from it: the plotted values
// (finite only, optionally log10, optionally EMA-smoothed, updated incrementally as points arrive,
// with their running y range) and a min/max bucket decimation of those to a given number of points,
// cached until the plotted values change.

/** Numbers from JSON may be null or strings ("NaN"); null must not become 0. */
const toNumber = (v) => (v == null ? NaN : +v);

// Versions are unique across all buffers: a chart compares them to tell whether what it drew is
// current, and a buffer that replaces another (setSeries) must never repeat the old one's number.
// Page-wide, like LiveChart's chart map, in case the module is ever loaded under two URLs.
const versions = (globalThis.__polyakSeriesVersions ??= { last: 0 });

export class SeriesBuffer {
    constructor(id, name, color) {
        this.id = id;
        this.name = name ?? id;
        this.color = color ?? null;
        this.hidden = false;
        this.x = new Float64Array(256);
        this.y = new Float64Array(256);
        this.length = 0;
        this.resetPlotted();
    }

    append(xs, ys) {
        const n = Math.min(xs.length, ys.length);
        this.ensureCapacity(this.length + n);
        for (let i = 0; i < n; i++) {
            this.x[this.length + i] = toNumber(xs[i]);
            this.y[this.length + i] = toNumber(ys[i]);
        }
        this.length += n;
    }

    replace(xs, ys) {
        this.length = 0;
        this.resetPlotted();
        this.append(xs, ys);
    }

    ensureCapacity(n) {
        if (n <= this.x.length) return;
        let size = this.x.length;
        while (size < n) size *= 2;
        for (const key of ['x', 'y']) {
            const grown = new Float64Array(size);
            grown.set(this[key].subarray(0, this.length));
            this[key] = grown;
        }
    }

    resetPlotted() {
        this.px = new Float64Array(256);
        this.py = new Float64Array(256);
        this.plotted = 0; // points in px/py
        this.consumed = 0; // raw points already looked at
        this.emaLast = 0;
        this.emaCount = 0;
        this.plotKey = '';
        this.yMin = Infinity; // range of py[0..plotted)
        this.yMax = -Infinity;
        this.version = ++versions.last; // changes whenever px/py change
        this.decimatedCache = null;
    }

    /**
     * Brings px/py up to date with the raw data. Non-finite points (and, for log, y <= 0) are skipped.
     * Smoothing is TensorBoard's debiased EMA over the plotted values (log10(y) on a log chart,
     * where one spike would otherwise swamp the average).
     */
    updatePlotted(logY, smoothing) {
        const key = `${logY}|${smoothing}`;
        if (key !== this.plotKey) {
            this.resetPlotted();
            this.plotKey = key;
        }
        if (this.px.length < this.length) {
            const size = Math.max(this.length, this.px.length * 2);
            for (const k of ['px', 'py']) {
                const grown = new Float64Array(size);
                grown.set(this[k].subarray(0, this.plotted));
                this[k] = grown;
            }
        }
        const plottedBefore = this.plotted;
        for (let i = this.consumed; i < this.length; i++) {
            const x = this.x[i];
            let y = this.y[i];
            if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0)) continue;
            if (logY) y = Math.log10(y);
            if (smoothing > 0) {
                this.emaLast = this.emaLast * smoothing + (1 - smoothing) * y;
                this.emaCount++;
                y = this.emaLast / (1 - Math.pow(smoothing, this.emaCount));
            }
            this.px[this.plotted] = x;
            this.py[this.plotted] = y;
            this.plotted++;
            if (y < this.yMin) this.yMin = y;
            if (y > this.yMax) this.yMax = y;
        }
        if (this.plotted !== plottedBefore) this.version = ++versions.last;
        this.consumed = this.length;
    }

    /** decimate() of the plotted points, computed again only when they or the target change. */
    decimated(target) {
        const c = this.decimatedCache;
        if (c && c.version === this.version && c.target === target) return c.points;
        const points = decimate(this.px, this.py, this.plotted, target);
        this.decimatedCache = { version: this.version, target, points };
        return points;
    }
}

/**
 * Min/max decimation: splits the plotted points into target/2 buckets by index and keeps each
 * bucket's lowest and highest point in order, so spikes survive. Returns [[x, y], ...].
 */
export function decimate(xs, ys, n, target) {
    const out = [];
    if (n <= target) {
        for (let i = 0; i < n; i++) out.push([xs[i], ys[i]]);
        return out;
    }
    const buckets = Math.max(1, Math.floor(target / 2));
    const size = n / buckets;
    out.push([xs[0], ys[0]]); // keep the start
    for (let b = 0; b < buckets; b++) {
        const start = Math.floor(b * size);
        const end = Math.min(n, Math.floor((b + 1) * size));
        let lo = start, hi = start;
        for (let i = start + 1; i < end; i++) {
            if (ys[i] < ys[lo]) lo = i;
            if (ys[i] > ys[hi]) hi = i;
        }
        const first = Math.min(lo, hi), second = Math.max(lo, hi);
        if (first !== 0) out.push([xs[first], ys[first]]);
        if (second !== first) out.push([xs[second], ys[second]]);
    }
    if (out[out.length - 1][0] !== xs[n - 1]) out.push([xs[n - 1], ys[n - 1]]); // keep the live end
    return out;
}

/** Range of the plotted y values of visible series (and extra values such as a reference line). */
export function yExtent(seriesList, extra) {
    let lo = Infinity, hi = -Infinity;
    for (const s of seriesList) {
        if (s.hidden || s.plotted === 0) continue;
        if (s.yMin < lo) lo = s.yMin;
        if (s.yMax > hi) hi = s.yMax;
    }
    for (const v of extra) {
        if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    return lo <= hi ? [lo, hi] : null;
}
