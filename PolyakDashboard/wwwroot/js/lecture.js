// Lecture mode in the browser: keyboard shortcuts and presentation mode's page-wide side.
//
// Shortcuts: the layout handles P (presentation mode) and ? (the list) through .NET; page actions are the elements
// that carry data-shortcut="<key>" (e.g. the Run and Stop buttons: "space"), of which the first one shown and enabled
// is clicked. An element with data-presenter-only is skipped unless the layout says the user presents. Nothing fires
// while the user types in a field (Ctrl+Enter excepted: it types nothing), and Space, Enter, the arrows, Home and End
// are left to a focused control that has a use for them (a button, a slider, the landscape).

let dotnet = null;

export function install(layout) {
    dotnet = layout;
    if (globalThis.__polyakShortcuts) return;
    globalThis.__polyakShortcuts = true;
    document.addEventListener('keydown', onKeyDown);
}

/** Presentation mode's class on <html> (popovers and dialogs render outside the layout), then the charts redraw at their sizes. */
export function setPresentation(on) {
    const root = document.documentElement;
    if (root.classList.contains('presentation') === !!on) return;
    root.classList.toggle('presentation', !!on);
    document.dispatchEvent(new CustomEvent('polyak-presentation', { detail: { on: !!on } }));
}

const TEXT_INPUT = /^(text|search|email|url|tel|password|number|date|datetime-local|month|time|week)$/i;

/** True while the user types: a text field, a text area, a select, something editable. */
export function isTyping(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    const tag = el.tagName;
    if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
    if (tag === 'INPUT') return TEXT_INPUT.test(el.type || 'text');
    const role = el.getAttribute('role');
    return role === 'textbox' || role === 'combobox' || role === 'searchbox' || role === 'spinbutton';
}

/** A focused control that uses Space, Enter, the arrows, Home or End itself. */
function usesNavigationKeys(el) {
    if (!el || el === document.body || el === document.documentElement) return false;
    if (el.matches('button, a[href], input, [role=button], [role=slider], [role=tab], [role=menuitem], [role=option], [role=checkbox], [role=switch], [role=radio], summary')) return true;
    return el.tabIndex >= 0 && el.id !== 'main-content';   // e.g. the explorer's landscape (arrows move the start)
}

function keyName(e) {
    if (e.key === ' ' || e.code === 'Space') return 'space';
    return e.key.toLowerCase();
}

function dialogOpen() {
    return !!document.querySelector('.mud-dialog-container .mud-dialog');
}

function onKeyDown(e) {
    if (e.defaultPrevented || e.isComposing || e.altKey || e.metaKey) return;
    const focus = document.activeElement;
    const key = keyName(e);
    if (e.ctrlKey) {
        if (key === 'enter' && !dialogOpen() && click('ctrl+enter')) e.preventDefault();
        return;
    }
    if (isTyping(focus) || dialogOpen()) return;
    if (key === 'p' && !e.shiftKey) {
        e.preventDefault();
        dotnet?.invokeMethodAsync('TogglePresentationAsync');
        return;
    }
    if (e.key === '?') {
        e.preventDefault();
        // Opened from the keyboard, the list takes the focus (so Escape, which the dialog handles, closes it again).
        dotnet?.invokeMethodAsync('ShowShortcutsAsync').then(() => focusDialog(performance.now() + 2000));
        return;
    }
    if (e.shiftKey) return;
    const navigation = ['space', 'enter', 'arrowleft', 'arrowright', 'arrowup', 'arrowdown', 'home', 'end'].includes(key);
    if (navigation && usesNavigationKeys(focus)) return;
    if (click(key)) e.preventDefault();
}

function focusDialog(until) {
    const dialog = document.querySelector('.mud-dialog-container .mud-dialog');
    if (dialog) {
        if (!dialog.contains(document.activeElement)) dialog.focus();
        return;
    }
    if (performance.now() < until) requestAnimationFrame(() => focusDialog(until));
}

/** Clicks the first shown, enabled element bound to this key that the user may use; true if one was clicked. */
function click(key) {
    const presenter = document.querySelector('[data-presenter]')?.dataset.presenter === 'true';
    for (const el of document.querySelectorAll('[data-shortcut]')) {
        if (!el.dataset.shortcut.split(' ').includes(key)) continue;
        if (el.disabled || el.getAttribute('aria-disabled') === 'true' || !el.checkVisibility()) continue;
        if (el.hasAttribute('data-presenter-only') && !presenter) continue;
        el.click();
        return true;
    }
    return false;
}
