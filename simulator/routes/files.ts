// A file host for attachments given by `path`: the Worker fetches `/files/...` on the simulator's
// origin as it would a customer's public file server (src/services/attachment-fetch.ts). GET only:
//   /files/bytes/:name?size=N&type=T   200, N deterministic bytes (byte i = i % 251), content-type T
//                                       (default from the name's extension), content-length N
//   /files/bytes/:name?size=N&chunked=1  the same bytes streamed without content-length, so the
//                                       fetcher's cap must count while reading
//   /files/redirect?to=<url>           302 to `to`, absolute or relative (an open redirect on purpose:
//                                       tests check that the Worker re-checks every target)
//   /files/status/:code                that status, 200..599
//   /files/slow?ms=N                   200 after N ms (at most 30 s; stops if the request is aborted)
//   /files/logo.png                    a 32 × 32 PNG, for inline images in demos
// Malformed parameters answer 400 with a plain-text reason.

import { Hono } from "hono";
import { typeFromFileName } from "../attachments.ts";

/** Large enough for a 40 MB message's attachments, small enough not to exhaust the test isolate. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const MAX_SLOW_MS = 30_000;

// A blue envelope mark, drawn once with Node's zlib (RGBA, deflated, CRCs checked).
const LOGO_PNG_BASE64 =
	"iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAAbklEQVR42u3XbQoAEAwG4F3GyRzfIfgnCdlHRt6Vn7bHWoGoiRBTPrGoj1OFpxBXgFfxigAAgGsB1qECSE+nBvSJuIVHuUSAnUTSfSzAqhurLpkCZkPK7YoawB1GAAAA4L3LCO8BAP4B4G/o/T0v2G0V46Vd2eUAAAAASUVORK5CYII=";

export function createFileRoutes(): Hono {
	const routes = new Hono();

	routes.get("/files/bytes/:name", (c) => {
		const size = Number(c.req.query("size") ?? "0");
		if (!Number.isSafeInteger(size) || size < 0 || size > MAX_FILE_BYTES) {
			return c.text(`size must be a whole number from 0 to ${MAX_FILE_BYTES}`, 400);
		}
		const type = c.req.query("type") || typeFromFileName(c.req.param("name"));
		if (c.req.query("chunked") === "1") {
			return new Response(streamBytes(size), { status: 200, headers: { "content-type": type } });
		}
		return new Response(fileBytes(0, size), {
			status: 200,
			headers: { "content-type": type, "content-length": String(size) },
		});
	});

	routes.get("/files/redirect", (c) => {
		const to = c.req.query("to");
		if (!to) return c.text("to is required", 400);
		return new Response(null, { status: 302, headers: { location: to } });
	});

	routes.get("/files/status/:code", (c) => {
		const code = Number(c.req.param("code"));
		if (!Number.isInteger(code) || code < 200 || code > 599) {
			return c.text("code must be a status from 200 to 599", 400);
		}
		// These statuses may not carry a body.
		const body = [204, 205, 304].includes(code) ? null : `status ${code}\n`;
		return new Response(body, { status: code, headers: { "content-type": "text/plain" } });
	});

	routes.get("/files/slow", async (c) => {
		const ms = Number(c.req.query("ms") ?? "0");
		if (!Number.isFinite(ms) || ms < 0) return c.text("ms must be a number of milliseconds", 400);
		await sleep(Math.min(ms, MAX_SLOW_MS), c.req.raw.signal);
		return c.text("slow file\n", 200);
	});

	routes.get("/files/logo.png", () => {
		const png = Uint8Array.from(atob(LOGO_PNG_BASE64), (ch) => ch.charCodeAt(0));
		return new Response(png, {
			status: 200,
			headers: { "content-type": "image/png", "content-length": String(png.length) },
		});
	});

	return routes;
}

/** The bytes from offset `start`, `length` of them: byte i of a file is i % 251. */
export function fileBytes(start: number, length: number): Uint8Array<ArrayBuffer> {
	const bytes = new Uint8Array(length);
	for (let i = 0; i < length; i++) bytes[i] = (start + i) % 251;
	return bytes;
}

/** Made on demand, so a reader that cancels early stops the stream. */
function streamBytes(size: number): ReadableStream<Uint8Array> {
	let sent = 0;
	return new ReadableStream<Uint8Array>({
		pull(controller) {
			if (sent >= size) {
				controller.close();
				return;
			}
			const length = Math.min(CHUNK_BYTES, size - sent);
			controller.enqueue(fileBytes(sent, length));
			sent += length;
		},
	});
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal.aborted) return resolve();
		const timer = setTimeout(done, ms);
		signal.addEventListener("abort", done, { once: true });
		function done() {
			clearTimeout(timer);
			signal.removeEventListener("abort", done);
			resolve();
		}
	});
}
