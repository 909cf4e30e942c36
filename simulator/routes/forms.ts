// Plain HTML form posts from the simulator's own pages (domains, AWS accounts). A form post is a
// "simple" request any web page could send cross-site, so these endpoints accept it only when
// the browser says it comes from this very origin: `Origin` must equal the simulator's own origin
// and `Sec-Fetch-Site`, when sent, must be `same-origin`; otherwise 403.

import type { Context } from "hono";

/** 403 unless the browser vouches that the form was posted from the simulator's own pages. */
export function refuseCrossSite(c: Context): Response | null {
	const origin = c.req.header("origin");
	const site = c.req.header("sec-fetch-site");
	const own = new URL(c.req.url).origin;
	if (origin !== own || (site !== undefined && site !== "same-origin")) {
		return c.text("Refused: this form only accepts posts from the simulator's own pages.", 403);
	}
	return null;
}

export async function formBody(c: Context): Promise<URLSearchParams | null> {
	const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
	if (type !== "application/x-www-form-urlencoded") return null;
	return new URLSearchParams(await c.req.text());
}
