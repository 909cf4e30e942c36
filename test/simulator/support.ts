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
	return createSesSimulator({ credentials: CREDENTIALS, now: () => NOW, ...options });
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
