/**
 * A fake customer endpoint for webhook deliveries: replaces globalThis.fetch (the Worker and
 * the tests share one isolate) for one origin, records every request as the receiver saw it,
 * and answers what the test asks for (a status, a body, a redirect, a dropped connection).
 * Everything else goes to the Worker (the API's own origin) or the real fetch.
 */
import { exports } from "cloudflare:workers";
import { BASE_URL } from "./api.ts";

export const RECEIVER_ORIGIN = "https://hooks.example.com";

export interface Received {
	url: string;
	headers: Record<string, string>;
	body: string;
}

export type Answer = (request: Received) => Response | "reset";

export function installReceiver(answer: Answer = () => new Response("ok", { status: 200 })) {
	const global = globalThis as unknown as { fetch: typeof fetch };
	const original = global.fetch;
	const received: Received[] = [];
	const receiver = {
		received,
		answer,
		restore: () => {
			global.fetch = original;
		},
	};
	global.fetch = async (input, init) => {
		// The URL first: building a Request from `input` would consume a body passed on below.
		const url = input instanceof Request ? input.url : String(input);
		if (url.startsWith(BASE_URL)) return exports.default.fetch(new Request(input, init));
		if (!url.startsWith(RECEIVER_ORIGIN)) return original(input, init);
		const request = new Request(input, init);
		const seen: Received = {
			url: request.url,
			headers: Object.fromEntries(request.headers),
			body: await request.text(),
		};
		received.push(seen);
		const reply = receiver.answer(seen);
		if (reply === "reset") throw new TypeError("Network connection lost.");
		return reply;
	};
	return receiver;
}
