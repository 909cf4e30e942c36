// Support for the simulator's SNS tests: a fake Worker endpoint that records what was posted and
// answers from a script, the Worker's own SNS verifier pointed at the simulator's certificate,
// and SendEmail shortcuts.

import { expect } from "vitest";
import type { SentMessage, SesSimulator, SesSimulatorOptions } from "../../simulator/app.ts";
import { createSnsVerifier } from "../../src/services/sns-verify.ts";
import { minimalEmail, NOW, newSimulator, send } from "./support.ts";

export const TOPIC_ARN = "arn:aws:sns:us-east-1:000000000000:sendfleet-ses-events";
export const CERT_PREFIX = "https://ses.simulator.test/sns/";
/** Each simulator names its certificate after a random id, as SNS names each certificate. */
export const CERT_URL = expect.stringMatching(
	/^https:\/\/ses\.simulator\.test\/sns\/SimpleNotificationService-[0-9a-f]{32}\.pem$/,
);
/** Where `deliver` requests are addressed when no endpoint is set. */
export const DEFAULT_HOOK_URL = "https://sendfleet.test/hooks/sns";

export interface Posted {
	url: string;
	method: string;
	headers: Record<string, string>;
	body: string;
}

/**
 * Stands in for the Worker's `/hooks/sns`: records each request and answers with the next of
 * `answers` (a status, or an Error to throw as a network failure would), then 200.
 */
export function fakeWorker(answers: (number | Error)[] = []) {
	const posted: Posted[] = [];
	const deliver = async (request: Request): Promise<Response> => {
		posted.push({
			url: request.url,
			method: request.method,
			headers: Object.fromEntries(request.headers),
			body: await request.text(),
		});
		const next = answers.shift() ?? 200;
		if (next instanceof Error) throw next;
		return new Response(next === 200 ? "ok" : `refused with ${next}`, { status: next });
	};
	return { posted, deliver };
}

/** A simulator posting to a fake Worker (flushed by hand unless `autoDeliver`). */
export function snsHarness(options: SesSimulatorOptions & { answers?: (number | Error)[] } = {}): {
	sim: SesSimulator;
	worker: ReturnType<typeof fakeWorker>;
} {
	const { answers, ...rest } = options;
	const worker = fakeWorker(answers);
	const sim = newSimulator({ ...rest, sns: { deliver: worker.deliver, ...rest.sns } });
	return { sim, worker };
}

/** The Worker's verifier, fetching the certificate from the simulator. */
export function workerVerifier(
	sim: SesSimulator,
	options: { topicArns?: string[]; trustedLocalCertUrlPrefixes?: string[] } = {},
) {
	const certificateUrls: string[] = [];
	const verify = createSnsVerifier({
		topicArns: options.topicArns ?? [TOPIC_ARN],
		trustedLocalCertUrlPrefixes: options.trustedLocalCertUrlPrefixes ?? [CERT_PREFIX],
		fetchCertificate: async (url) => {
			certificateUrls.push(url);
			const response = await sim.fetch(new Request(url));
			if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
			return pemOf(response);
		},
	});
	return { verify, certificateUrls };
}

/** Sends one email and returns it as stored. */
export async function sendEmail(
	sim: SesSimulator,
	overrides: Record<string, unknown> = {},
): Promise<SentMessage> {
	const response = await send(sim, minimalEmail(overrides));
	expect(response.status).toBe(200);
	const { MessageId } = (await response.json()) as { MessageId: string };
	const message = sim.store.getMessage(MessageId);
	if (message === undefined) throw new Error("the message was not stored");
	return message;
}

export function sendTo(
	sim: SesSimulator,
	to: string[],
	overrides: Record<string, unknown> = {},
): Promise<SentMessage> {
	return sendEmail(sim, { Destination: { ToAddresses: to }, ...overrides });
}

/** The SES events inside posted SNS bodies. */
export function sesEvents(posted: { body: string }[]): Record<string, unknown>[] {
	return posted.map((p) => JSON.parse((JSON.parse(p.body) as { Message: string }).Message));
}

/** `NOW` plus `ms`, as ISO 8601. */
export function at(ms: number): string {
	return new Date(NOW.getTime() + ms).toISOString();
}

/** An SES feedback id / message id: `0100` + 12 hex digits of time, a UUID, `-000000`. */
export const SES_ID =
	/^0100[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A certificate's PEM, decoded from bytes: `text()` on its `application/x-pem-file` body makes the
 * runtime log a warning.
 */
export async function pemOf(response: Response): Promise<string> {
	return new TextDecoder().decode(await response.arrayBuffer());
}
