// Replay of finished runs through LiveChart: each track (one series of one chart) gets its points back
// as the replay clock passes their time, appended exactly as live training appends them. The clock of
// every point and the rate (run seconds per replay second) come from ReplaySchedule in C#; a point shows
// once elapsed × rate ≥ its clock.
import { appendPoints, replaceSeries } from '../Charts/LiveChart.razor.js';

const replays = new Map(); // clock element id -> replay

const doubles = (bytes) => new Float64Array(bytes.slice().buffer);

export function start(id, tracks, rate, duration, dotnet) {
    stop(id, false);
    const replay = {
        id, rate, duration, dotnet, elapsed: 0, last: performance.now(), paused: false, frame: 0,
        tracks: tracks.map(t => ({ chart: t.chart, series: t.series, x: doubles(t.x), y: doubles(t.y), clock: doubles(t.clock), shown: 0 })),
    };
    for (const t of replay.tracks) replaceSeries(t.chart, t.series, [], []);
    replays.set(id, replay);
    replay.frame = requestAnimationFrame(() => tick(replay));
}

export function pause(id) {
    const r = replays.get(id);
    if (r) r.paused = true;
}

export function resume(id) {
    const r = replays.get(id);
    if (!r || !r.paused) return;
    r.paused = false;
    r.last = performance.now();
    cancelAnimationFrame(r.frame);
    r.frame = requestAnimationFrame(() => tick(r));
}

/** Ends a replay; with restore, every track gets all its points back. */
export function stop(id, restore) {
    const r = replays.get(id);
    if (!r) return;
    cancelAnimationFrame(r.frame);
    replays.delete(id);
    if (restore) for (const t of r.tracks) replaceSeries(t.chart, t.series, t.x, t.y);
    label(r, '');
}

function tick(r) {
    if (replays.get(r.id) !== r || r.paused) return;
    const now = performance.now();
    r.elapsed += (now - r.last) / 1000;
    r.last = now;
    const runClock = r.elapsed * r.rate;
    let done = true;
    for (const t of r.tracks) {
        const n = visible(t.clock, runClock);
        if (n > t.shown) {
            appendPoints(t.chart, t.series, t.x.subarray(t.shown, n), t.y.subarray(t.shown, n));
            t.shown = n;
        }
        if (t.shown < t.clock.length) done = false;
    }
    label(r, `${Math.min(r.elapsed, r.duration).toFixed(1)} / ${r.duration.toFixed(1)} s`);
    if (done) {
        replays.delete(r.id);
        r.dotnet.invokeMethodAsync('HandleReplayEndedAsync').catch(() => { });
        return;
    }
    r.frame = requestAnimationFrame(() => tick(r));
}

/** Points whose clock has passed (clock ascending): same rule as ReplaySchedule.Visible. */
function visible(clock, now) {
    let lo = 0, hi = clock.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (clock[mid] <= now) lo = mid + 1; else hi = mid;
    }
    return lo;
}

function label(r, text) {
    const el = document.querySelector(`[data-replay-clock="${r.id}"]`);
    if (el) el.textContent = text;
}
