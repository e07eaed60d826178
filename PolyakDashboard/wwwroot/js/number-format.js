// Axis and tooltip numbers for the charts: a few significant digits, exponents for the very large and small,
// and powers of ten with superscripts on log axes (whose values are log10 of the data).

const SUPERSCRIPT = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** A log10 value as a tick label: 10⁻³ at whole powers, the plain number between them. */
export function formatPower(v) {
    const k = Math.round(v);
    if (Math.abs(v - k) > 1e-6) return formatNumber(Math.pow(10, v), 2);
    return '10' + String(k).replace(/./g, c => SUPERSCRIPT[c] ?? c);
}

/** v to `digits` significant digits; exponent notation beyond 1e5 and below 1e-3. */
export function formatNumber(v, digits) {
    if (!Number.isFinite(v)) return String(v);
    if (v === 0) return '0';
    const a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
    return String(Number(v.toPrecision(digits)));
}

const NORMAL = Object.fromEntries(Object.entries(SUPERSCRIPT).map(([plain, sup]) => [sup, plain === '-' ? '−' : plain]));
const POWER_LABEL = /^(.*10)([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/;

/**
 * Rewrites the axis labels 10⁻³ that formatPower gave into "10" and a raised exponent at 85 % of the label's size:
 * Unicode's superscript digits render at about 60 %, ~7 px on a 12 px label, too small for a room. For ApexCharts'
 * mounted and updated events (the labels are re-created on every redraw); a label already rewritten is left alone.
 */
export function raiseExponents(root) {
    for (const label of root.querySelectorAll('.apexcharts-xaxis-label tspan, .apexcharts-yaxis-label tspan')) {
        const match = POWER_LABEL.exec(label.textContent);
        if (!match || label.firstElementChild) continue;
        const exponent = document.createElementNS('http://www.w3.org/2000/svg', 'tspan');
        exponent.setAttribute('class', 'axis-exponent');
        exponent.setAttribute('baseline-shift', 'super');
        exponent.setAttribute('font-size', '0.85em');
        exponent.textContent = [...match[2]].map(c => NORMAL[c]).join('');
        label.textContent = match[1];
        label.appendChild(exponent);
    }
}
