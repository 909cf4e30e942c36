// Shared test support for the simulator's own tests: a fixed clock, the test key pair and a
// client that signs requests exactly as the Worker does (aws4fetch, service "ses").

import { AwsClient } from "aws4fetch";
import {
	createSesSimulator,
	type SesSimulator,
	type SesSimulatorOptions,
} from "../../simulator/app.ts";

export const NOW = new Date("2026-03-04T05:06:07.890Z");
export const AMZ_DATE = "20260304T050607Z";
export const ENDPOINT = "https://ses.simulator.test";
export const SEND_URL = `${ENDPOINT}/v2/email/outbound-emails`;
export const CREDENTIALS = { accessKeyId: "AKIDSIMTEST", secretAccessKey: "sim-test-secret" };

export function newSimulator(options: SesSimulatorOptions = {}): SesSimulator {
	return createSesSimulator({
		credentials: CREDENTIALS,
		now: () => NOW,
		publicUrl: ENDPOINT,
		...options,
	});
}

export function client(
	overrides: Partial<typeof CREDENTIALS> & { region?: string } = {},
): AwsClient {
	return new AwsClient({
		...CREDENTIALS,
		service: "ses",
		region: overrides.region ?? "us-east-1",
		...overrides,
	});
}

/** A SendEmail request signed at the simulator's fixed time. */
export function signedSend(
	body: unknown,
	options: { signer?: AwsClient; datetime?: string } = {},
): Promise<Request> {
	return (options.signer ?? client()).sign(SEND_URL, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: typeof body === "string" ? body : JSON.stringify(body),
		aws: { datetime: options.datetime ?? AMZ_DATE },
	});
}

export async function send(sim: SesSimulator, body: unknown): Promise<Response> {
	return sim.fetch(await signedSend(body));
}

/** The smallest valid SendEmail body, with optional overrides of top-level members. */
export function minimalEmail(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		FromEmailAddress: "sender@example.test",
		Destination: { ToAddresses: ["rcpt@example.test"] },
		Content: {
			Simple: { Subject: { Data: "Hello" }, Body: { Text: { Data: "Hi there" } } },
		},
		...overrides,
	};
}

/** Status, `x-amzn-ErrorType` and message of an AWS error response. */
export async function awsError(
	response: Response,
): Promise<{ status: number; code: string | null; message: unknown }> {
	const body = (await response.json()) as { message?: unknown };
	return {
		status: response.status,
		code: response.headers.get("x-amzn-ErrorType"),
		message: body.message,
	};
}

/** `yyyymmddThhmmssZ`, as SigV4 dates a request. */
export function amzDate(date: Date): string {
	return date.toISOString().replace(/[:-]|\.\d{3}/g, "");
}

/** A clock tests can move; the simulator's `now` and the client's signing time both follow it. */
export interface TestClock {
	now: () => Date;
	advance(ms: number): void;
}

export function testClock(start: Date = NOW): TestClock {
	let current = start.getTime();
	return {
		now: () => new Date(current),
		advance(ms) {
			current += ms;
		},
	};
}

export const HOUR_MS = 60 * 60 * 1000;

/** A simulator on a movable clock, with clients for its v2 JSON and v1 Query APIs. */
export function sesHarness(options: SesSimulatorOptions = {}) {
	const clock = testClock();
	const sim = newSimulator({ now: clock.now, ...options });
	const sign = (path: string, init: { method: string; body?: string; headers?: HeadersInit }) =>
		client().sign(`${ENDPOINT}${path}`, { ...init, aws: { datetime: amzDate(clock.now()) } });
	return {
		sim,
		clock,
		/** A signed SES v2 call; `body` is sent as JSON. */
		async v2(method: string, path: string, body?: unknown): Promise<Response> {
			return sim.fetch(
				await sign(path, {
					method,
					headers: { "content-type": "application/json" },
					body: body === undefined ? undefined : JSON.stringify(body),
				}),
			);
		},
		/** A signed SES v1 Query API call. */
		async query(params: Record<string, string>): Promise<Response> {
			return sim.fetch(await signedQuery(params, clock.now()));
		},
		/** GetEmailIdentity's JSON body. */
		async getIdentity(domain: string): Promise<Record<string, unknown>> {
			const response = await this.v2("GET", `/v2/email/identities/${domain}`);
			if (response.status !== 200) throw new Error(`GetEmailIdentity answered ${response.status}`);
			return (await response.json()) as Record<string, unknown>;
		},
	};
}

/** A v1 Query API request, form-encoded and signed at `at`. */
export function signedQuery(
	params: Record<string, string>,
	at: Date = NOW,
	signer: AwsClient = client(),
): Promise<Request> {
	return signer.sign(`${ENDPOINT}/`, {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
		body: new URLSearchParams(params).toString(),
		aws: { datetime: amzDate(at) },
	});
}

/** The XML's text for `tag` (first occurrence), or null. */
export function xmlText(xml: string, tag: string): string | null {
	return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1] ?? null;
}
