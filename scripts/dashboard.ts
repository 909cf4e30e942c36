/**
 * The dashboard on this machine: built once with Vite, then served from loopback with `/api/*`
 * forwarded to the local Worker, the same shape as Cloudflare Pages with its Pages Function in
 * production (dashboard/functions/api/[[path]].ts). Served by a small Hono app rather than
 * `vite preview`, which installs its own SIGTERM and stdin handlers that exit the process
 * before `npm start` has stopped wrangler.
 */
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { build } from "vite";

const CONFIG = "dashboard/vite.config.ts";

export interface LocalDashboard {
	url: string;
	stop: () => Promise<void>;
}

export async function startDashboard(options: {
	apiUrl: string;
	port: number;
	quiet?: boolean;
}): Promise<LocalDashboard> {
	// Each running dashboard builds into its own folder: `npm start`, the browser tests and
	// the screenshots may run side by side without serving each other's half-written files.
	const outDir = resolve(`node_modules/.cache/sendfleet-dashboard/${options.port}`);
	// A production build even from a test run (vitest sets NODE_ENV=test, which would give
	// React's development build, larger and slower than what customers get).
	const nodeEnv = process.env.NODE_ENV;
	process.env.NODE_ENV = "production";
	try {
		await build({
			configFile: CONFIG,
			logLevel: options.quiet ? "error" : "warn",
			build: { outDir, emptyOutDir: true },
		});
	} finally {
		process.env.NODE_ENV = nodeEnv;
	}
	const indexHtml = readFileSync(`${outDir}/index.html`, "utf8");

	const app = new Hono();
	app.all("/api/*", async (c) => {
		const url = new URL(c.req.url);
		const target = `${options.apiUrl}${url.pathname.replace(/^\/api/, "") || "/"}${url.search}`;
		const request = c.req.raw;
		// The browser's Origin (and cookie) go through unchanged, as behind Pages.
		const answer = await fetch(target, {
			method: request.method,
			headers: request.headers,
			body: ["GET", "HEAD"].includes(request.method) ? undefined : await request.arrayBuffer(),
			redirect: "manual",
		});
		// fetch has already decoded the body: the length and encoding no longer describe it.
		const headers = new Headers(answer.headers);
		headers.delete("content-encoding");
		headers.delete("content-length");
		return new Response(answer.body, { status: answer.status, headers });
	});
	app.use("/*", serveStatic({ root: relative(process.cwd(), outDir) }));
	// Every other path is a page of the single-page app.
	app.get("*", (c) => c.html(indexHtml));

	const server = serve({ fetch: app.fetch, port: options.port, hostname: "127.0.0.1" });
	await new Promise<void>((ready, fail) => {
		server.once("listening", () => ready());
		server.once("error", fail);
	});
	return {
		url: `http://127.0.0.1:${options.port}`,
		stop: () =>
			new Promise<void>((done) => {
				server.close(() => done());
				// An open browser tab keeps connections alive: close them too.
				(server as { closeAllConnections?: () => void }).closeAllConnections?.();
			}),
	};
}
