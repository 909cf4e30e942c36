// Posting the simulator's SNS messages to the Worker's `/hooks/sns`, as an HTTP(S) subscription
// does: SNS's headers and body, a retry after each pause while the answer is not 2xx (or no
// answer comes), then giving up. Every attempt is recorded on the message. Without an endpoint
// or `deliver` nothing is posted and messages are only recorded.

import { type SnsMessage, snsBody } from "./messages.ts";
import type { SentNotification, SnsOptions } from "./types.ts";

const DEFAULT_DELIVER_URL = "https://sendfleet.test/hooks/sns";
const ANSWER_SNIPPET = 200;

export interface SnsDeliveryDeps {
	/** The subscription's ARN, named in each Notification's headers. */
	subscriptionArn: string;
	/** True once the subscription was cancelled: Notifications are then only recorded. */
	unsubscribed: () => boolean;
	now: () => Date;
}

export interface SnsDelivery {
	/** Where messages are posted; null when they are only recorded. */
	endpoint: string | null;
	/** A signed message as it will be posted (headers and body), with no attempt yet. */
	prepare(
		message: SnsMessage,
		about: Pick<SentNotification, "eventType" | "messageId" | "recipients">,
	): SentNotification;
	/** Posts until 2xx, pausing `delays[i]` before retry i+1 when `wait`; then gives up. */
	post(sent: SentNotification, delays: readonly number[], wait: boolean): Promise<void>;
	/** True once `stop()` was called. */
	stopped(): boolean;
	/** Ends every retry and pause for good. */
	stop(): void;
}

export function createSnsDelivery(
	options: Pick<SnsOptions, "endpoint" | "deliver">,
	deps: SnsDeliveryDeps,
): SnsDelivery {
	const deliver = options.deliver;
	const hasTransport = deliver !== undefined || options.endpoint !== undefined;
	const url = options.endpoint ?? DEFAULT_DELIVER_URL;
	let stopped = false;
	const sleepers = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();

	const sleep = (ms: number) =>
		new Promise<void>((resolve) => {
			if (stopped) return resolve();
			const sleeper = {
				timer: setTimeout(() => {
					sleepers.delete(sleeper);
					resolve();
				}, ms),
				wake: resolve,
			};
			sleepers.add(sleeper);
		});

	function prepare(
		message: SnsMessage,
		about: Pick<SentNotification, "eventType" | "messageId" | "recipients">,
	): SentNotification {
		const headers: Record<string, string> = {
			"x-amz-sns-message-type": message.Type,
			"x-amz-sns-message-id": message.MessageId,
			"x-amz-sns-topic-arn": message.TopicArn,
		};
		if (message.Type === "Notification") {
			headers["x-amz-sns-subscription-arn"] = deps.subscriptionArn;
		}
		headers["content-type"] = "text/plain; charset=UTF-8";
		headers["user-agent"] = "Amazon Simple Notification Service Agent";
		const sent: SentNotification = {
			type: message.Type,
			eventType: about.eventType,
			messageId: about.messageId,
			recipients: [...about.recipients],
			snsMessageId: message.MessageId,
			url,
			headers,
			body: snsBody(message),
			message,
			attempts: [],
			outcome: "posting",
		};
		return sent;
	}

	async function post(sent: SentNotification, delays: readonly number[], wait: boolean) {
		if (!hasTransport || (sent.type === "Notification" && deps.unsubscribed())) {
			sent.outcome = "recorded";
			return;
		}
		for (let attempt = 0; ; attempt++) {
			const at = deps.now().toISOString();
			try {
				const request = new Request(url, {
					method: "POST",
					headers: sent.headers,
					body: sent.body,
				});
				const response = await (deliver ? deliver(request) : fetch(request));
				const text = await response.text().catch(() => "");
				sent.attempts.push({ status: response.status, at, answer: text.slice(0, ANSWER_SNIPPET) });
				if (response.status >= 200 && response.status < 300) {
					sent.outcome = "delivered";
					return;
				}
			} catch (error) {
				sent.attempts.push({ status: null, at, answer: String(error).slice(0, ANSWER_SNIPPET) });
			}
			const pause = delays[attempt];
			if (pause === undefined || stopped) {
				sent.outcome = "failed";
				return;
			}
			if (wait) await sleep(pause);
			if (stopped) {
				sent.outcome = "failed";
				return;
			}
		}
	}

	return {
		endpoint: hasTransport ? url : null,
		prepare,
		post,
		stopped: () => stopped,
		stop() {
			stopped = true;
			for (const sleeper of sleepers) {
				clearTimeout(sleeper.timer);
				sleeper.wake();
			}
			sleepers.clear();
		},
	};
}
