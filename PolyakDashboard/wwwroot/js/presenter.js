// Presenter sign-in for the app bar's dialog: the server checks the key and sets an HttpOnly cookie
// (PolyakDashboard/Api/PresenterApi.cs); the page then reloads so the new circuit runs as presenter.

/** Returns null when signed in, else the message to show. */
export async function signIn(key) {
    try {
        const response = await fetch(new URL('api/presenter/session', document.baseURI), {
            method: 'POST', credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ key }),
        });
        if (response.ok) return null;
        try {
            const problem = await response.json();
            return problem.detail ?? problem.title ?? `HTTP ${response.status}`;
        } catch {
            return `HTTP ${response.status}`;
        }
    } catch (e) {
        return `The server did not answer (${e.message}).`;
    }
}

export async function signOut() {
    await fetch(new URL('api/presenter/session', document.baseURI), { method: 'DELETE', credentials: 'same-origin' });
}
