// Loads classic (UMD) scripts from wwwroot/lib once per page, in order; the libraries set globals
// (ApexCharts, signalR, d3), so they are only fetched by the pages whose components need them.
const loaded = (globalThis.__polyakLoadedScripts ??= new Map());

export function loadScript(path) {
    const url = new URL(path, document.baseURI).href;
    let promise = loaded.get(url);
    if (!promise) {
        promise = new Promise((resolve, reject) => {
            const el = document.createElement('script');
            el.src = url;
            el.async = false;
            el.onload = () => resolve();
            el.onerror = () => {
                loaded.delete(url);
                el.remove();
                reject(new Error(`Could not load ${url}`));
            };
            document.head.appendChild(el);
        });
        loaded.set(url, promise);
    }
    return promise;
}

export async function loadScripts(paths) {
    for (const path of paths) await loadScript(path);
}
