/**
 * Cloudflare Pages Function: every `/api/*` request of the dashboard goes to the Worker
 * through the `API` service binding, with `/api` taken off the path. The browser only ever
 * talks to the dashboard's own origin, so the session cookie stays first-party
 * (`*.pages.dev` and `*.workers.dev` are different sites).
 */
interface Env {
	API: Fetcher;
}

export function onRequest({ request, env }: { request: Request; env: Env }): Promise<Response> {
	const url = new URL(request.url);
	url.pathname = url.pathname.replace(/^\/api/, "") || "/";
	return env.API.fetch(new Request(url, request));
}
