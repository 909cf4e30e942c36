import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileBytes } from "../../simulator/routes/files.ts";
import { fetchAttachment } from "../../src/services/attachment-fetch.ts";
import { installSimulator, simulatorUrl } from "../helpers/simulator.ts";

// The simulator's origin (https://ses.simulator.test) is routed in-process: to the fetcher it is
// a customer's public https file server.
const MAX = 29_360_128;
const options = { localPrefix: "", maxBytes: MAX };

let restore: () => void;
let fetched: string[];

beforeEach(() => {
	restore = installSimulator().restore;
	const simulated = globalThis.fetch;
	fetched = [];
	globalThis.fetch = (input, init) => {
		fetched.push(input instanceof Request ? input.url : String(input));
		return simulated(input, init);
	};
});

afterEach(() => {
	restore();
});

/** Counts the body bytes the file host hands over, to see the fetcher stop reading. */
function countStreamedBytes(): { bytes(): number } {
	let pulled = 0;
	const simulated = globalThis.fetch;
	globalThis.fetch = async (input, init) => {
		const response = await simulated(input, init);
		const source = response.body?.getReader();
		// highWaterMark 0: a chunk is taken from the host only when the fetcher reads one.
		const counted =
			source &&
			new ReadableStream<Uint8Array>(
				{
					async pull(controller) {
						const { done, value } = await source.read();
						if (done) return controller.close();
						pulled += value.byteLength;
						controller.enqueue(value);
					},
					cancel: (reason) => source.cancel(reason),
				},
				{ highWaterMark: 0 },
			);
		return new Response(counted, response);
	};
	return { bytes: () => pulled };
}

describe("fetchAttachment", () => {
	it("answers the bytes and the content type", async () => {
		const result = await fetchAttachment(
			simulatorUrl("/files/bytes/invoice.pdf?size=70000"),
			options,
		);
		expect(result).toEqual({
			kind: "ok",
			bytes: fileBytes(0, 70_000),
			contentType: "application/pdf",
		});
	});

	it("answers a streamed body without content-length whole", async () => {
		const result = await fetchAttachment(
			simulatorUrl("/files/bytes/data.bin?size=200000&chunked=1&type=text/csv"),
			options,
		);
		expect(result).toEqual({ kind: "ok", bytes: fileBytes(0, 200_000), contentType: "text/csv" });
	});

	it("answers an empty file", async () => {
		const result = await fetchAttachment(simulatorUrl("/files/bytes/empty.txt?size=0"), options);
		expect(result).toEqual({ kind: "ok", bytes: new Uint8Array(0), contentType: "text/plain" });
	});

	it("refuses URLs the webhook rules refuse, without fetching them", async () => {
		const cases: [string, string][] = [
			["http://files.example.com/a.pdf", "its URL must use https://"],
			["https://127.0.0.1/a.pdf", "its URL must name a host, not an IP address"],
			["https://[::1]/a.pdf", "its URL must name a host, not an IP address"],
			["https://10.0.0.1/a.pdf", "its URL must name a host, not an IP address"],
			[
				"https://localhost/a.pdf",
				"its URL must be a public host name, not a local or internal one",
			],
			[
				"https://nas.local/a.pdf",
				"its URL must be a public host name, not a local or internal one",
			],
			[
				"https://metadata.google.internal/a",
				"its URL must be a public host name, not a local or internal one",
			],
			["https://intranet/a.pdf", "its URL must be a fully qualified public host name"],
			["https://files.example.com:22/a.pdf", "its URL must use port 443 or 8443"],
			["https://user:pw@files.example.com/a.pdf", "its URL must not carry a user name or password"],
			["not a url", "its URL must be an absolute https:// URL"],
		];
		for (const [url, reason] of cases) {
			expect(await fetchAttachment(url, options), url).toEqual({ kind: "failed", reason });
		}
		expect(fetched).toEqual([]);
	});

	it("lets the local development prefix through", async () => {
		const result = await fetchAttachment(simulatorUrl("/files/logo.png"), {
			...options,
			localPrefix: simulatorUrl("/files/"),
		});
		expect(result.kind).toBe("ok");
	});

	it("follows a redirect, absolute or relative, re-checking the target", async () => {
		const target = simulatorUrl("/files/bytes/a.txt?size=10");
		const absolute = await fetchAttachment(
			simulatorUrl(`/files/redirect?to=${encodeURIComponent(target)}`),
			options,
		);
		expect(absolute).toEqual({ kind: "ok", bytes: fileBytes(0, 10), contentType: "text/plain" });

		const relative = await fetchAttachment(
			simulatorUrl(`/files/redirect?to=${encodeURIComponent("bytes/b.txt?size=5")}`),
			options,
		);
		expect(relative).toEqual({ kind: "ok", bytes: fileBytes(0, 5), contentType: "text/plain" });
		expect(fetched.at(-1)).toBe(simulatorUrl("/files/bytes/b.txt?size=5"));
	});

	it("refuses a redirect to a private address without following it", async () => {
		const start = simulatorUrl(`/files/redirect?to=${encodeURIComponent("http://127.0.0.1/x")}`);
		const result = await fetchAttachment(start, options);
		expect(result).toEqual({
			kind: "failed",
			reason: "it redirected to a URL that must use https://",
		});
		expect(fetched).toEqual([start]);

		const ip = await fetchAttachment(
			simulatorUrl(`/files/redirect?to=${encodeURIComponent("https://169.254.169.254/latest")}`),
			options,
		);
		expect(ip).toEqual({
			kind: "failed",
			reason: "it redirected to a URL that must name a host, not an IP address",
		});
	});

	it("follows at most maxRedirects hops", async () => {
		const chain = (hops: number) => {
			let url = simulatorUrl("/files/bytes/a.txt?size=3");
			for (let i = 0; i < hops; i++) {
				url = simulatorUrl(`/files/redirect?to=${encodeURIComponent(url)}`);
			}
			return url;
		};
		expect((await fetchAttachment(chain(3), options)).kind).toBe("ok");
		fetched = [];
		expect(await fetchAttachment(chain(4), options)).toEqual({
			kind: "failed",
			reason: "it redirected more than 3 times",
		});
		expect(fetched).toHaveLength(4);
		expect(await fetchAttachment(chain(2), { ...options, maxRedirects: 1 })).toEqual({
			kind: "failed",
			reason: "it redirected more than 1 time",
		});
	});

	it("fails with the host's status when it does not answer 2xx", async () => {
		expect(await fetchAttachment(simulatorUrl("/files/status/404"), options)).toEqual({
			kind: "failed",
			reason: "the host answered 404",
		});
		expect(await fetchAttachment(simulatorUrl("/files/status/503"), options)).toEqual({
			kind: "failed",
			reason: "the host answered 503",
		});
		expect(await fetchAttachment(simulatorUrl("/files/status/302"), options)).toEqual({
			kind: "failed",
			reason: "the host answered 302 without a Location",
		});
	});

	it("gives up after the timeout", async () => {
		const started = Date.now();
		const result = await fetchAttachment(simulatorUrl("/files/slow?ms=5000"), {
			...options,
			timeoutMs: 100,
		});
		expect(result).toEqual({ kind: "failed", reason: "it took longer than 100 ms" });
		expect(Date.now() - started).toBeLessThan(4000);
		expect(
			await fetchAttachment(simulatorUrl("/files/slow?ms=5000"), { ...options, timeoutMs: 1000 }),
		).toEqual({ kind: "failed", reason: "it took longer than 1 s" });
	});

	it("answers a slow file within the timeout", async () => {
		const result = await fetchAttachment(simulatorUrl("/files/slow?ms=50"), options);
		expect(result.kind).toBe("ok");
	});

	it("stops reading a body without content-length once it passes the cap", async () => {
		const streamed = countStreamedBytes();
		const result = await fetchAttachment(
			simulatorUrl("/files/bytes/big.bin?size=5000000&chunked=1"),
			{ ...options, maxBytes: 100_000 },
		);
		expect(result).toEqual({ kind: "failed", reason: "it is larger than 100,000 bytes" });
		expect(streamed.bytes()).toBeLessThan(1_000_000);
	});

	it("accepts a body of exactly the cap", async () => {
		const result = await fetchAttachment(
			simulatorUrl("/files/bytes/edge.bin?size=100000&chunked=1"),
			{ ...options, maxBytes: 100_000 },
		);
		expect(result.kind).toBe("ok");
	});

	it("refuses a content-length over the cap before reading", async () => {
		const streamed = countStreamedBytes();
		const result = await fetchAttachment(
			simulatorUrl(`/files/bytes/huge.pdf?size=${MAX + 1}`),
			options,
		);
		expect(result).toEqual({ kind: "failed", reason: "it is larger than 29,360,128 bytes" });
		expect(streamed.bytes()).toBe(0);
	});

	it("fails clearly when the host cannot be reached", async () => {
		globalThis.fetch = () => Promise.reject(new TypeError("Network connection lost."));
		expect(await fetchAttachment("https://files.example.com/a.pdf", options)).toEqual({
			kind: "failed",
			reason: "its host could not be reached",
		});
	});
});

describe("the simulator's file host", () => {
	it("serves a valid PNG logo", async () => {
		const response = await fetch(simulatorUrl("/files/logo.png"));
		expect(response.headers.get("content-type")).toBe("image/png");
		const bytes = new Uint8Array(await response.arrayBuffer());
		expect([...bytes.slice(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
		expect(response.headers.get("content-length")).toBe(String(bytes.length));
	});

	it("sets content-length unless chunked, and refuses a bad size", async () => {
		const sized = await fetch(simulatorUrl("/files/bytes/a.bin?size=300"));
		expect(sized.headers.get("content-length")).toBe("300");
		expect(sized.headers.get("content-type")).toBe("application/octet-stream");
		const chunked = await fetch(simulatorUrl("/files/bytes/a.bin?size=300&chunked=1"));
		expect(chunked.headers.get("content-length")).toBeNull();
		expect((await chunked.arrayBuffer()).byteLength).toBe(300);
		expect((await fetch(simulatorUrl("/files/bytes/a.bin?size=-1"))).status).toBe(400);
	});
});
