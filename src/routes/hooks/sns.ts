/**
 * `POST /hooks/sns`: SES's bounce, complaint and delivery events arrive here through SNS. The
 * endpoint is public, so nothing is believed before `src/services/sns-verify.ts` has checked the
 * topic, the certificate URL and the signature; a forged or tampered message gets 403 (422 when
 * it is not even an SNS message) and changes nothing.
 *
 * Answers: 200 once a notification is handled, duplicate, matched no email (recorded for
 * diagnosis), or parked on the feedback queue because D1 or the account guard is briefly down
 * (src/queues/feedback.ts retries it for longer than SNS would); 503 only when even the queue
 * refuses or the certificate could not be fetched, so that SNS retries.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { hookNotificationDepsFromEnv } from "../../deps.ts";
import { processNotification } from "../../domain/feedback.ts";
import { processing } from "../../domain/recorded-together.ts";
import { type Bindings, createRouter } from "../../env.ts";
import { ApiError, type ErrorName } from "../../lib/errors.ts";
import {
	createSnsVerifier,
	isAwsSnsUrl,
	isTrustedLocalUrl,
	type SnsRejection,
	type SnsVerifier,
} from "../../services/sns-verify.ts";
import { errorResponse } from "../common-schemas.ts";

/** SNS messages are at most 256 KiB. */
const MAX_BODY_BYTES = 256 * 1024;

const REJECTION_ERROR: Record<SnsRejection, ErrorName> = {
	malformed: "validation_error",
	unsupported_signature_version: "invalid_signature",
	unknown_topic: "invalid_signature",
	untrusted_certificate_url: "invalid_signature",
	bad_signature: "invalid_signature",
	certificate_unavailable: "service_unavailable",
};

const list = (value: string | undefined) =>
	(value ?? "")
		.split(",")
		.map((s) => s.trim())
		.filter(Boolean);

// One verifier per configuration, so its certificate cache lives as long as the isolate.
let cached: { key: string; verify: SnsVerifier } | undefined;
function verifierFor(env: Bindings): { verify: SnsVerifier; localPrefixes: string[] } {
	const topicArns = list(env.SNS_TOPIC_ARNS);
	const localPrefixes = list(env.SNS_LOCAL_CERT_URL_PREFIX);
	const key = `${topicArns.join()}|${localPrefixes.join()}`;
	if (cached?.key !== key) {
		cached = {
			key,
			verify: createSnsVerifier({ topicArns, trustedLocalCertUrlPrefixes: localPrefixes }),
		};
	}
	return { verify: cached.verify, localPrefixes };
}

const HookResult = z
	.object({
		status: z.enum([
			"processed",
			"duplicate",
			"unmatched",
			"ignored",
			"subscribed",
			"unsubscribed",
			"queued",
		]),
	})
	.openapi("SnsHookResult");

const route = createRoute({
	method: "post",
	path: "/sns",
	summary: "Amazon SNS endpoint for SES events (signature-verified)",
	description:
		"The body is SNS's JSON message, sent as text/plain; it is read raw because the signature covers its exact fields.",
	responses: {
		200: { description: "Handled", content: { "application/json": { schema: HookResult } } },
		422: errorResponse("Not an SNS message"),
		403: errorResponse("Forged, tampered or for a topic we do not subscribe to"),
		503: errorResponse("Could not be handled now; SNS retries"),
	},
});

export const snsHook = createRouter().openapi(route, async (c) => {
	const body = await c.req.text();
	if (new TextEncoder().encode(body).length > MAX_BODY_BYTES) {
		throw new ApiError("payload_too_large", "SNS messages are at most 256 KiB.");
	}
	const { verify, localPrefixes } = verifierFor(c.env);
	const verdict = await verify(body);
	if (!verdict.ok) {
		console.warn("sns: rejected", verdict.reason, verdict.detail);
		throw new ApiError(
			REJECTION_ERROR[verdict.reason],
			`SNS message refused (${verdict.reason}): ${verdict.detail}`,
		);
	}
	const message = verdict.message;
	const headerType = c.req.header("x-amz-sns-message-type");
	if (headerType && headerType !== message.Type) {
		throw new ApiError(
			"validation_error",
			"x-amz-sns-message-type does not match the message's Type.",
		);
	}

	switch (message.Type) {
		case "SubscriptionConfirmation": {
			const url = message.SubscribeURL;
			const trusted = isAwsSnsUrl(url) || isTrustedLocalUrl(url, localPrefixes);
			if (!trusted)
				throw new ApiError("invalid_signature", "SubscribeURL is not an Amazon SNS URL.");
			const confirmed = await fetch(url, { redirect: "manual" }).catch(() => undefined);
			if (!confirmed?.ok) {
				throw new ApiError(
					"service_unavailable",
					"Could not confirm the subscription; SNS will retry.",
				);
			}
			console.log("sns: subscribed to", message.TopicArn);
			return c.json({ status: "subscribed" as const }, 200);
		}
		case "UnsubscribeConfirmation":
			console.warn("sns: unsubscribed from", message.TopicArn);
			return c.json({ status: "unsubscribed" as const }, 200);
		case "Notification": {
			const sns = {
				messageId: message.MessageId,
				topicArn: message.TopicArn,
				message: message.Message,
			};
			const waitUntil = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
			try {
				const deps = hookNotificationDepsFromEnv(c.env, waitUntil);
				const status = await processing(() => processNotification(deps, sns));
				return c.json({ status }, 200);
			} catch (cause) {
				// Verified but not processed now (D1 or the guard is down): parked on the feedback
				// queue, which retries for longer than SNS would. Only if that fails too does SNS
				// have to retry.
				console.error("sns: processing failed, parking on the feedback queue", cause);
				await c.env.FEEDBACK_QUEUE.send(sns).catch((queueError) => {
					console.error("sns: feedback queue unavailable", queueError);
					throw new ApiError(
						"service_unavailable",
						"Could not record the notification now; SNS will retry.",
					);
				});
				return c.json({ status: "queued" as const }, 200);
			}
		}
	}
});
