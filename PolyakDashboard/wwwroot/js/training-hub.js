// One SignalR connection per page to /hubs/training, shared by every chart on it. Live points go
// from the hub straight into LiveChart buffers (no .NET round trip); only status changes are
// forwarded to .NET. Contract (server side in PolyakDashboard/Runs):
//   Subscribe(runIds) -> [{ runId, status, message, step, totalSteps,
//                           batches: { step, epoch, loss, stepSize }, epochs: { epoch, loss } }]
//   Unsubscribe(runIds)
//   "points" { runId, step[], epoch[], loss[], stepSize[], gradNormSq[], seconds[] }
//   "epochs" { runId, epoch[], loss[], valLoss[] }   (valLoss NaN where the problem has no held-out data)
//   "status" { runId, status, message, step, totalSteps }
import { loadScript } from './load-script.js';
import { appendPoints, replaceSeries } from '../Components/Charts/LiveChart.razor.js';

const HUB_URL = 'hubs/training';
const SNAPSHOT_KEY = { points: 'batches', epochs: 'epochs' }; // live message name -> snapshot field
const CUTOFF_FIELD = { points: 'step', epochs: 'epoch' };

let connection = null;
let starting = null;
let nextHandle = 1;
const runs = new Map(); // runId -> { bindings: Map(handle, binding), listeners: Map(handle, listener), cutoff, buffer, subscribing }

// ---- Public API ------------------------------------------------------------------------------

/**
 * Feeds a LiveChart series from a run: replays the history so far, then appends live points.
 * field: "loss" | "stepSize" | "gradNormSq"; xField: "step" | "epoch"; source: "points" (per batch)
 * or "epochs" (full-data loss per epoch). Returns a handle for unbind().
 */
export function bind(chartElementId, seriesId, runId, field, xField, source = 'points') {
    if (!SNAPSHOT_KEY[source]) throw new Error(`Unknown source '${source}': use "points" or "epochs".`);
    const handle = nextHandle++;
    runOf(runId).bindings.set(handle, { chartElementId, seriesId, field, xField, source });
    subscribe(runId);
    return handle;
}

/** Calls dotnetObjRef.invokeMethodAsync(methodName, status) now (if known) and on every status change of a run. */
export function onStatus(runId, dotnetObjRef, methodName) {
    const handle = nextHandle++;
    const run = runOf(runId);
    run.listeners.set(handle, { dotnetObjRef, methodName });
    if (run.subscribed && !run.subscribing) notify(run, run.lastStatus, [handle]);
    else subscribe(runId);
    return handle;
}

/** Removes a binding or status listener; the run is unsubscribed when nothing is left on it. */
export function unbind(handle) {
    for (const [runId, run] of runs) {
        if (run.bindings.delete(handle) || run.listeners.delete(handle)) {
            if (run.bindings.size === 0 && run.listeners.size === 0) {
                runs.delete(runId);
                if (connection?.state === 'Connected') connection.invoke('Unsubscribe', [runId]).catch(console.warn);
            }
            return;
        }
    }
}

// ---- Connection ------------------------------------------------------------------------------

function runOf(runId) {
    let run = runs.get(runId);
    if (!run) {
        run = {
            runId, bindings: new Map(), listeners: new Map(), subscribed: false, subscribing: null,
            buffer: [], cutoff: {}, lastStatus: null,
        };
        runs.set(runId, run);
    }
    return run;
}

function connect() {
    if (connection?.state === 'Connected') return Promise.resolve(connection);
    starting ??= (async () => {
        await loadScript('lib/signalr/signalr.min.js');
        if (!connection) {
            connection = new signalR.HubConnectionBuilder()
                .withUrl(new URL(HUB_URL, document.baseURI).href)
                // Keep retrying (the default policy gives up after four tries).
                .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (c) => Math.min(1000 * 2 ** c.previousRetryCount, 10_000) })
                .build();
            connection.on('points', (m) => handleLive('points', m));
            connection.on('epochs', (m) => handleLive('epochs', m));
            connection.on('status', (m) => { const run = runs.get(m.runId); if (run) notify(run, m); });
            // The server forgot our groups and we may have missed points: subscribe again, which
            // replaces every bound series with the fresh history.
            connection.onreconnected(resubscribeAll);
            // A close that automatic reconnect does not handle (the server closed or aborted the
            // connection): start again, with the same backoff, as long as anything is bound.
            connection.onclose(() => { if (runs.size) connect().then(resubscribeAll, console.error); });
        }
        // withAutomaticReconnect covers dropped connections, not a first start that fails; while it
        // is reconnecting, wait for it rather than start a second time.
        for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
            if (connection.state === 'Connected') return connection;
            if (connection.state === 'Disconnected') {
                try {
                    await connection.start();
                    return connection;
                } catch (e) {
                    console.warn(`training hub: start failed, retrying in ${delay} ms`, e);
                }
            }
            await new Promise(r => setTimeout(r, delay));
        }
    })().finally(() => { starting = null; });
    return starting;
}

function resubscribeAll() {
    for (const runId of runs.keys()) subscribe(runId);
}

/**
 * (Re)subscribes a run and replaces every bound series with the snapshot. Live messages that arrive
 * while the snapshot is on its way are held back and replayed after it, minus the records the
 * snapshot already holds (compared by step or epoch). A call while one is in flight does nothing:
 * the snapshot reaches every binding present when it lands.
 */
async function subscribe(runId) {
    const run = runs.get(runId);
    if (!run || run.subscribing) return;
    run.buffer = [];
    const pending = connect().then(conn => conn.invoke('Subscribe', [runId])).then(list => list?.[0] ?? null);
    run.subscribing = pending;
    try {
        const snapshot = await pending;
        if (runs.get(runId) !== run) return;
        run.subscribed = true;
        if (snapshot) {
            applySnapshot(run, snapshot);
            notify(run, snapshot, [...run.listeners.keys()]);
        }
    } catch (e) {
        console.error(`training hub: Subscribe(${runId}) failed`, e);
    } finally {
        if (run.subscribing === pending) {
            run.subscribing = null;
            const held = run.buffer;
            run.buffer = [];
            for (const [source, message] of held) deliver(run, source, message);
        }
    }
}

function applySnapshot(run, snapshot) {
    for (const source of Object.keys(SNAPSHOT_KEY)) {
        const data = snapshot[SNAPSHOT_KEY[source]] ?? {};
        const marks = data[CUTOFF_FIELD[source]] ?? [];
        let cutoff = marks.length ? marks[marks.length - 1] : -Infinity;
        if (source === 'points' && Number.isFinite(snapshot.step)) cutoff = Math.max(cutoff, snapshot.step);
        run.cutoff[source] = cutoff;
    }
    for (const b of run.bindings.values()) {
        const data = snapshot[SNAPSHOT_KEY[b.source]] ?? {};
        replaceSeries(b.chartElementId, b.seriesId, data[b.xField] ?? [], data[b.field] ?? []);
    }
}

function handleLive(source, message) {
    const run = runs.get(message.runId);
    if (!run) return;
    if (run.subscribing) run.buffer.push([source, message]);
    else deliver(run, source, message);
}

/** Appends a live message to every binding of its source, skipping records the snapshot already had. */
function deliver(run, source, message) {
    const marks = message[CUTOFF_FIELD[source]] ?? [];
    const cutoff = run.cutoff[source] ?? -Infinity;
    let first = 0;
    while (first < marks.length && marks[first] <= cutoff) first++;
    if (first === marks.length && marks.length > 0) return;
    if (marks.length > 0) run.cutoff[source] = marks[marks.length - 1];
    for (const b of run.bindings.values()) {
        if (b.source !== source) continue;
        const xs = message[b.xField], ys = message[b.field];
        if (!xs || !ys) continue;
        appendPoints(b.chartElementId, b.seriesId, first ? xs.slice(first) : xs, first ? ys.slice(first) : ys);
    }
}

/** Forwards a status to the listeners: all of them when it changed, and always to `handles`. */
function notify(run, m, handles = []) {
    if (!m) return;
    const status = { runId: m.runId, status: m.status, message: m.message ?? null, step: m.step ?? 0, totalSteps: m.totalSteps ?? 0 };
    const changed = JSON.stringify(status) !== JSON.stringify(run.lastStatus);
    run.lastStatus = status;
    for (const [handle, l] of run.listeners) {
        if (!changed && !handles.includes(handle)) continue;
        l.dotnetObjRef.invokeMethodAsync(l.methodName, status).catch(() => run.listeners.delete(handle));
    }
}
