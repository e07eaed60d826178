// "Copy panel as PNG": a chart with its title and legend, at 2× the screen's size, for a lecturer's slides.
// To the clipboard through the async Clipboard API; where that is refused (no permission, not a secure context such as
// http://192.168.…, no ClipboardItem) the same PNG downloads instead. Drawn black on white whatever the theme: slides.
// Used by every chart module (LiveChart, BandChart: ApexCharts' own image; Landscape: its SVG, see svgSnapshot), and for
// their plain downloads (save, download).

export const SCALE = 2;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const PAD = 12, TITLE_PX = 16, LEGEND_PX = 13, GAP = 6;

/**
 * Composes the panel and copies it (or downloads it).
 * @param chartImage a data: URL of the chart alone at SCALE× (ApexCharts' dataURI({ scale: SCALE })), or a canvas
 * @param panel { title, legend: [{ name, color, dashed }], fileName }
 * @returns 'copied' or 'downloaded', and the PNG's size
 */
export async function copyPanel(chartImage, panel) {
    const blob = await compose(chartImage, panel);
    let how = 'downloaded';
    try {
        if (!globalThis.isSecureContext || !navigator.clipboard?.write || typeof ClipboardItem !== 'function')
            throw new Error('no async clipboard here');
        await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
        how = 'copied';
    } catch {
        download(blob, panel.fileName);
    }
    const bitmap = await createImageBitmap(blob);
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return { how, ...size };
}

/** The panel as a PNG blob: title, legend (wrapped to the chart's width), then the chart. */
export async function compose(chartImage, panel) {
    const chart = typeof chartImage === 'string' ? await loadImage(chartImage) : chartImage;
    const width = chart.width;
    const measure = document.createElement('canvas').getContext('2d');
    const s = SCALE;
    // Lay the legend out in rows first, to know the height.
    measure.font = `${LEGEND_PX * s}px ${FONT}`;
    const rows = [];
    let row = [], x = PAD * s;
    for (const item of panel.legend ?? []) {
        const w = (18 + 6) * s + measure.measureText(item.name).width;
        if (row.length && x + w > width - PAD * s) { rows.push(row); row = []; x = PAD * s; }
        row.push({ ...item, x });
        x += w + 14 * s;
    }
    if (row.length) rows.push(row);
    const titleH = panel.title ? (TITLE_PX + GAP) * s : 0;
    const legendH = rows.length * (LEGEND_PX + GAP) * s;
    const top = PAD * s + titleH + legendH;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = top + chart.height;
    const g = canvas.getContext('2d');
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.textBaseline = 'top';
    if (panel.title) {
        g.fillStyle = '#212121';
        g.font = `600 ${TITLE_PX * s}px ${FONT}`;
        g.fillText(panel.title, PAD * s, PAD * s);
    }
    g.font = `${LEGEND_PX * s}px ${FONT}`;
    rows.forEach((r, i) => {
        const y = PAD * s + titleH + i * (LEGEND_PX + GAP) * s;
        for (const item of r) {
            g.strokeStyle = item.color ?? '#3f51b5';
            g.lineWidth = 3 * s;
            g.setLineDash(item.dashed ? [4 * s, 2 * s] : []);
            g.beginPath();
            g.moveTo(item.x, y + LEGEND_PX * s / 2);
            g.lineTo(item.x + 18 * s, y + LEGEND_PX * s / 2);
            g.stroke();
            g.fillStyle = '#212121';
            g.fillText(item.name, item.x + (18 + 6) * s, y);
        }
    });
    g.setLineDash([]);
    g.drawImage(chart, 0, top);
    return await new Promise((resolve, reject) => canvas.toBlob(b => (b ? resolve(b) : reject(new Error('toBlob failed'))), 'image/png'));
}

function loadImage(url) {
    return new Promise((resolve, reject) => {
        const img = new Image();
        img.onload = () => resolve(img);
        img.onerror = () => reject(new Error('the chart image did not load'));
        img.src = url;
    });
}

/** Downloads a blob under fileName. */
export function download(blob, fileName) {
    const url = URL.createObjectURL(blob);
    save(url, fileName);
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads what a URL (a data: or blob: URL) holds under fileName. */
export function save(url, fileName) {
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    document.body.appendChild(a);
    a.click();
    a.remove();
}

/**
 * Wires a panel's copy button (CopyPanelButton.razor: [data-copy-png] under root) once, with a plain listener, not a
 * Blazor event: the clipboard wants the user's click still fresh (no server round trip). copy(fileName) does the rest.
 */
export function onCopyClick(root, copy) {
    const button = root?.querySelector('[data-copy-png]');
    if (!button || button.__polyakCopy) return;
    button.__polyakCopy = true;
    button.addEventListener('click', () => copy((button.dataset.fileName || 'chart') + '.png'));
}

/**
 * Copies a panel: panelOf() gives { image, title, legend } (image as for copyPanel) or null when there is nothing to
 * copy yet. Says what happened next to the button; the result also goes to root's data-copied (browser tests read it).
 */
export async function copyPanelOf(root, fileName, panelOf) {
    const status = root?.querySelector('[data-copy-status]');
    try {
        const panel = await panelOf();
        if (!panel) { announce(status, 'Nothing to copy yet'); return null; }
        const result = await copyPanel(panel.image, { ...panel, fileName });
        announce(status, result.how === 'copied' ? 'Copied as PNG' : 'Saved as PNG');
        root.dataset.copied = JSON.stringify(result);
        return result;
    } catch (e) {
        console.error(e);
        announce(status, 'Could not copy the chart');
        return null;
    }
}

// What an SVG drawn by our own code needs written on its elements to look the same outside the page (an image has
// none of the page's style sheets); var(--…) colours come out resolved.
const PAINT = ['fill', 'fill-opacity', 'fill-rule', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray',
    'stroke-dashoffset', 'stroke-linejoin', 'stroke-linecap', 'paint-order', 'opacity', 'font-size', 'font-weight',
    'font-family', 'text-anchor', 'dominant-baseline', 'shape-rendering', 'visibility', 'display'];

/**
 * An SVG on the page as a canvas at SCALE×, on white, for copyPanel: each element's computed paint and font written on
 * it, then the theme's text and line colours (light on a dark theme) replaced by dark ones given as a map from CSS
 * selector to { fill?, stroke? }.
 */
export async function svgSnapshot(svg, dark = {}) {
    const width = svg.width.baseVal.value || svg.getBoundingClientRect().width;
    const height = svg.height.baseVal.value || svg.getBoundingClientRect().height;
    const copy = svg.cloneNode(true);
    const originals = [svg, ...svg.querySelectorAll('*')], copies = [copy, ...copy.querySelectorAll('*')];
    originals.forEach((el, i) => {
        const style = getComputedStyle(el);
        copies[i].setAttribute('style', PAINT.map(p => `${p}:${style.getPropertyValue(p)}`).join(';'));
    });
    for (const [selector, paint] of Object.entries(dark))
        for (const el of copy.querySelectorAll(selector))
            for (const [property, value] of Object.entries(paint)) el.style.setProperty(property, value);
    copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    copy.setAttribute('width', width);
    copy.setAttribute('height', height);
    const image = await loadImage('data:image/svg+xml;charset=utf-8,' + encodeURIComponent(new XMLSerializer().serializeToString(copy)));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * SCALE);
    canvas.height = Math.round(height * SCALE);
    const g = canvas.getContext('2d');
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(image, 0, 0, canvas.width, canvas.height);
    return canvas;
}

/** Shows what happened next to the button for a few seconds (an aria-live element). */
export function announce(statusEl, text) {
    if (!statusEl) return;
    statusEl.textContent = text;
    clearTimeout(statusEl.__polyakTimer);
    statusEl.__polyakTimer = setTimeout(() => { statusEl.textContent = ''; }, 4000);
}
