/**
 * Load and delivery: `concurrency` requests in flight against the local stack, every answer
 * counted by HTTP status, and polling of the SES simulator's inbox to see sent emails arrive.
 */
import type { LocalStack } from "../local-stack.ts";
import { accountFor, accounts, type BenchAccount } from "./accounts.ts";
import { BATCH_SIZE, config, DRAIN_TIMEOUT_MS, LOAD_TIMEOUT_MS } from "./options.ts";

export interface LoadResult {
	/** Requests planned; fewer are sent when the load stops at LOAD_TIMEOUT_MS. */
	requests: number;
	/** 2xx answers: the only ones counted as accepted. */
	ok: number;
	/** Every answer by HTTP status ("no answer": a network error or a client-side timeout). */
	statuses: Map<string, number>;
	/** The `ratelimit-*` headers of the answers: the plan's burst and the lowest remaining. */
	rateLimit: { limit: number; lowestRemaining: number } | undefined;
	/** Every answer that was not 2xx: its status and the start of its body. */
	failures: string[];
	seconds: number;
	/** performance.now() of the first accepted response. */
	firstOkAt: number | undefined;
	timedOut: boolean;
}

/** `count` requests, `concurrency` in flight, stopping early at LOAD_TIMEOUT_MS. */
export async function load(
	count: number,
	request: (i: number) => Promise<Response>,
	onAccepted?: (i: number, body: string) => void,
): Promise<LoadResult> {
	const started = performance.now();
	const deadline = started + LOAD_TIMEOUT_MS;
	const result: LoadResult = {
		requests: count,
		ok: 0,
		statuses: new Map(),
		rateLimit: undefined,
		failures: [],
		seconds: 0,
		firstOkAt: undefined,
		timedOut: false,
	};
	let next = 0;
	async function lane() {
		while (next < count) {
			if (performance.now() > deadline) {
				result.timedOut = true;
				return;
			}
			const i = next++;
			try {
				const response = await request(i);
				const body = await response.text();
				const status = String(response.status);
				result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
				const limit = Number(response.headers.get("ratelimit-limit") ?? Number.NaN);
				const remaining = Number(response.headers.get("ratelimit-remaining") ?? Number.NaN);
				if (Number.isFinite(limit) && Number.isFinite(remaining)) {
					result.rateLimit = {
						limit,
						lowestRemaining: Math.min(result.rateLimit?.lowestRemaining ?? limit, remaining),
					};
				}
				if (response.ok) {
					result.ok += 1;
					onAccepted?.(i, body);
					result.firstOkAt ??= performance.now();
				} else {
					result.failures.push(`${response.status} ${body.slice(0, 200)}`);
				}
			} catch (error) {
				result.statuses.set("no answer", (result.statuses.get("no answer") ?? 0) + 1);
				result.failures.push(String(error));
			}
		}
	}
	await Promise.all(Array.from({ length: Math.min(config.concurrency, count) }, lane));
	result.seconds = (performance.now() - started) / 1000;
	return result;
}

export function email(account: BenchAccount, to: string, extra: Record<string, unknown> = {}) {
	return {
		from: `Bench <bench@${account.domain}>`,
		to,
		subject: "SendFleet benchmark",
		html: "<p>Hello from the benchmark.</p>",
		text: "Hello from the benchmark.",
		...extra,
	};
}

/**
 * One attachment of `bytes` random bytes, given by `content` (base64) as a client would: the
 * API decodes it, stores the bytes in R2 and sends them to SES at the send.
 */
export function attachmentOf(bytes: number) {
	const data = new Uint8Array(bytes);
	// getRandomValues fills at most 65,536 bytes a call.
	for (let i = 0; i < bytes; i += 65_536) crypto.getRandomValues(data.subarray(i, i + 65_536));
	return { filename: "report.pdf", content: Buffer.from(data).toString("base64") };
}

/**
 * A transactional email's bodies of about `bytes` of HTML (a receipt: a table of order lines
 * with inline styles, each line a little different, as real ones are) and its text version.
 * What gzip does with them depends on that mix, so it is a guide to real bodies, not a measure.
 */
export function receiptBodies(bytes: number) {
	const line = (i: number) =>
		`<tr><td style="padding:8px 12px;border-bottom:1px solid #e5e7eb;font-family:Helvetica,Arial,sans-serif;color:#111827">${["Linen shirt", "Canvas tote", "Wool socks", "Leather belt", "Cotton cap"][i % 5]}, size ${["S", "M", "L", "XL"][i % 4]}, order line ${i}</td><td style="padding:8px 12px;border-bottom:1px solid #e5e7eb;text-align:right">${((i * 7919) % 10_000) / 100} EUR</td></tr>`;
	const rows: string[] = [];
	const texts: string[] = [];
	for (let i = 0, size = 0; size < bytes; i++) {
		rows.push(line(i));
		texts.push(`Order line ${i}: ${((i * 7919) % 10_000) / 100} EUR`);
		size += rows[i]?.length ?? 0;
	}
	return {
		html: `<!doctype html><html><body><table role="presentation" width="100%">${rows.join("")}</table></body></html>`,
		text: texts.join("\n"),
	};
}

export function post(s: LocalStack, account: BenchAccount, path: string, body: unknown) {
	return fetch(`${s.apiUrl}${path}`, {
		method: "POST",
		headers: { authorization: `Bearer ${account.apiKey}`, "content-type": "application/json" },
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(30_000),
	});
}

/** Email ids (and their accounts) by recipient, to say where an email that never arrived got stuck. */
const acceptedIds = new Map<string, { id: string; account: BenchAccount }>();

/**
 * Request i sends as account i mod N (round-robin) of `pool`, the main accounts by default;
 * `extra` is added to every email (attachments).
 */
export const sendSingles = (
	s: LocalStack,
	prefix: string,
	count: number,
	pool = accounts,
	extra: Record<string, unknown> = {},
) =>
	load(
		count,
		(i) =>
			post(
				s,
				accountFor(i, pool),
				"/emails",
				email(accountFor(i, pool), `${prefix}-${i}@example.org`, extra),
			),
		(i, body) =>
			acceptedIds.set(`${prefix}-${i}@example.org`, {
				id: (JSON.parse(body) as { id: string }).id,
				account: accountFor(i, pool),
			}),
	);

/** Batch b sends as account b mod N of `pool`, the main accounts by default. */
export const sendBatches = (s: LocalStack, prefix: string, count: number, pool = accounts) =>
	load(count, (b) =>
		post(
			s,
			accountFor(b, pool),
			"/emails/batch",
			Array.from({ length: BATCH_SIZE }, (_, i) =>
				email(accountFor(b, pool), `${prefix}-${b * BATCH_SIZE + i}@example.org`),
			),
		),
	);

/** Recipients with this prefix in the simulator (a redelivered duplicate counts once). */
function deliveredTo(s: LocalStack, prefix: string): Set<string> {
	const seen = new Set<string>();
	for (const message of s.simulator.store.listMessages()) {
		for (const to of message.to) if (to.startsWith(`${prefix}-`)) seen.add(to);
	}
	return seen;
}

export const delivered = (s: LocalStack, prefix: string) => deliveredTo(s, prefix).size;

/** `last_event` of a few accepted singles that have not reached the simulator. */
export async function missingStatuses(s: LocalStack, prefix: string): Promise<string> {
	const seen = deliveredTo(s, prefix);
	const missing = [...acceptedIds].filter(([to]) => to.startsWith(`${prefix}-`) && !seen.has(to));
	const sample = await Promise.all(
		missing.slice(0, 3).map(async ([, { id, account }]) => {
			const response = await fetch(`${s.apiUrl}/emails/${id}`, {
				headers: { authorization: `Bearer ${account.apiKey}` },
				signal: AbortSignal.timeout(10_000),
			});
			const body = (await response.json()) as { last_event?: string };
			return `${id}: ${body.last_event ?? response.status}`;
		}),
	);
	return sample.length ? `; e.g. ${sample.join(", ")}` : "";
}

/** Polls until `done()`; the time it became true, or undefined after the timeout. */
export async function waitFor(done: () => boolean | Promise<boolean>): Promise<number | undefined> {
	const deadline = performance.now() + DRAIN_TIMEOUT_MS;
	while (performance.now() < deadline) {
		if (await done()) return performance.now();
		await new Promise((r) => setTimeout(r, 50));
	}
	return undefined;
}
