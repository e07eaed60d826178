// "Copy panel as PNG": a chart with its title and legend, at 2× the screen's size, for a lecturer's slides.
// To the clipboard through the async Clipboard API; where that is refused (no permission, not a secure context such as
// http://192.168.…, no ClipboardItem) the same PNG downloads instead. Drawn black on white whatever the theme: slides.

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

function download(blob, fileName) {
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Shows what happened next to the button for a few seconds (an aria-live element). */
export function announce(statusEl, text) {
    if (!statusEl) return;
    statusEl.textContent = text;
    clearTimeout(statusEl.__polyakTimer);
    statusEl.__polyakTimer = setTimeout(() => { statusEl.textContent = ''; }, 4000);
}
