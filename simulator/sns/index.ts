// The simulator's SNS side: the topic SES publishes its events to and the one HTTP(S)
// subscription that posts them to the Worker's `/hooks/sns`, signed the way SNS signs
// (signing.ts) and posted the way SNS posts (delivery.ts).
//
// After SendEmail accepts a message, its SES events (ses-events.ts) are queued. With an endpoint
// and `autoDeliver`, the queue is posted after `delayMs`, in order or `concurrency` posts at a
// time (SNS posts in parallel, in no guaranteed order); a non-2xx answer or a network
// error is retried after each of `retryDelaysMs`, then given up. In-process, `flush()` posts
// everything queued at once (retrying without pausing). Every posted message is recorded with
// its attempts. Without an endpoint or `deliver`, events stay queued and are only recorded.

import { sesEventsFor } from "../ses-events.ts";
import { createSnsDelivery } from "./delivery.ts";
import { describeEvent, eventRecipients } from "./event-summary.ts";
import { SES_EVENT_SUBJECT, type UnsignedSnsMessage } from "./messages.ts";
import { createSnsSigner } from "./signing.ts";
import type {
	FlushResult,
	PendingNotification,
	SentNotification,
	SnsOptions,
	SnsPublisher,
	SnsPublisherDeps,
} from "./types.ts";

const DEFAULT_DELAY_MS = 200;
const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 4_000];

export function createSnsPublisher(options: SnsOptions, deps: SnsPublisherDeps): SnsPublisher {
	const publicUrl = deps.publicUrl.replace(/\/+$/, "");
	const topicArn =
		options.topicArn ?? `arn:aws:sns:${deps.region}:000000000000:sendfleet-ses-events`;
	const subscriptionArn = `${topicArn}:${crypto.randomUUID()}`;
	const signer = createSnsSigner(publicUrl);
	const unsubscribeUrl = `${publicUrl}/sns/unsubscribe?SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;
	const autoDeliver = options.autoDeliver ?? (options.endpoint !== undefined && !options.deliver);
	const delayMs = options.delayMs ?? DEFAULT_DELAY_MS;
	const retryDelays = [...(options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)];
	const concurrency = Math.max(1, options.concurrency ?? 1);

	let queue: PendingNotification[] = [];
	let records: SentNotification[] = [];
	const tokens = new Set<string>();
	let confirmed = false;
	let unsubscribed = false;
	let paused = options.paused ?? false;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const delivery = createSnsDelivery(options, {
		subscriptionArn,
		unsubscribed: () => unsubscribed,
		now: deps.now,
	});

	// One drain at a time, so posts keep their order (with `concurrency` 1).
	let chain: Promise<unknown> = Promise.resolve();
	const serialize = <T>(task: () => Promise<T>): Promise<T> => {
		const run = chain.then(task, task);
		chain = run.catch(() => {});
		return run;
	};

	const keep = <T>(list: T[]): T[] =>
		list.length > deps.maxRecords ? list.slice(-deps.maxRecords) : list;

	async function record(
		unsigned: UnsignedSnsMessage,
		about: Pick<SentNotification, "eventType" | "messageId" | "recipients">,
	): Promise<SentNotification> {
		const sent = delivery.prepare(await signer.sign(unsigned), about);
		records = keep([...records, sent]);
		return sent;
	}

	/**
	 * Signs and posts queued notifications until the queue is empty: in order, or, when automatic,
	 * up to `concurrency` at once, as SNS posts to an HTTP endpoint in parallel.
	 */
	async function drain(automatic: boolean): Promise<FlushResult[]> {
		const results: FlushResult[] = [];
		const take = () => {
			if (automatic && (paused || delivery.stopped())) return undefined;
			const [next, ...rest] = queue;
			queue = rest;
			return next;
		};
		const postEach = async () => {
			for (let next = take(); next !== undefined; next = take()) {
				const sent = await record(
					{
						Type: "Notification",
						MessageId: next.snsMessageId,
						TopicArn: topicArn,
						Subject: SES_EVENT_SUBJECT,
						Message: JSON.stringify(next.event),
						Timestamp: next.timestamp,
						UnsubscribeURL: unsubscribeUrl,
					},
					next,
				);
				await delivery.post(sent, retryDelays, automatic);
				results.push(flushResult(sent));
			}
		};
		await Promise.all(Array.from({ length: automatic ? concurrency : 1 }, postEach));
		return results;
	}

	function schedule() {
		if (!autoDeliver || paused || delivery.stopped() || timer !== undefined) return;
		timer = setTimeout(() => {
			timer = undefined;
			serialize(() => drain(true)).catch((error: unknown) => {
				console.error("SES simulator: posting SNS notifications failed", error);
			});
		}, delayMs);
	}

	return {
		topicArn,
		certUrl: signer.certUrl,
		endpoint: delivery.endpoint,
		certificatePem: signer.certificatePem,
		sign: signer.sign,

		async publish(sesEvent, publishOptions = {}) {
			const event = sesEvent as Record<string, unknown>;
			const subject =
				publishOptions.subject === undefined ? SES_EVENT_SUBJECT : publishOptions.subject;
			const sent = await record(
				{
					Type: "Notification",
					MessageId: crypto.randomUUID(),
					TopicArn: topicArn,
					...(subject !== null && { Subject: subject }),
					Message: JSON.stringify(sesEvent),
					Timestamp: deps.now().toISOString(),
					UnsubscribeURL: unsubscribeUrl,
				},
				{ ...describeEvent(event), recipients: eventRecipients(event) },
			);
			await delivery.post(sent, retryDelays, false);
			return sent;
		},

		async subscribe(subscribeOptions = {}) {
			const token = randomHex(64);
			tokens.add(token);
			const sent = await record(
				{
					Type: "SubscriptionConfirmation",
					MessageId: crypto.randomUUID(),
					Token: token,
					TopicArn: topicArn,
					Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
					SubscribeURL: `${publicUrl}/sns/confirm-subscription?Token=${token}`,
					Timestamp: deps.now().toISOString(),
				},
				{ eventType: null, messageId: null, recipients: [] },
			);
			await delivery.post(sent, subscribeOptions.retryDelaysMs ?? [], true);
			return sent;
		},

		subscription: () => (confirmed ? { confirmed, arn: subscriptionArn } : { confirmed }),

		flush: () => serialize(() => drain(false)),

		pending: () => queue.map((p) => ({ ...p, recipients: [...p.recipients] })),

		sent: () => [...records],

		resume() {
			paused = false;
			if (queue.length > 0) schedule();
		},

		stop() {
			delivery.stop();
			if (timer !== undefined) clearTimeout(timer);
			timer = undefined;
		},

		clear() {
			queue = [];
			records = [];
		},

		enqueueMessage(message) {
			const sentAt = new Date(message.receivedAt).getTime();
			const added = sesEventsFor(message, deps.region).map(
				(scheduled): PendingNotification => ({
					type: "Notification",
					eventType: scheduled.eventType,
					messageId: message.messageId,
					recipients: scheduled.recipients,
					snsMessageId: crypto.randomUUID(),
					timestamp: new Date(sentAt + scheduled.offsetMs).toISOString(),
					event: scheduled.event,
				}),
			);
			queue = keep([...queue, ...added]);
			schedule();
		},

		confirmSubscription(token) {
			if (!tokens.has(token)) return null;
			confirmed = true;
			unsubscribed = false;
			return subscriptionArn;
		},

		unsubscribe(arn) {
			if (arn !== subscriptionArn) return false;
			confirmed = false;
			unsubscribed = true;
			return true;
		},

		notificationsFor(messageId) {
			return [
				...records.filter((r) => r.messageId === messageId),
				...queue.filter((p) => p.messageId === messageId),
			];
		},
	};
}

function flushResult(sent: SentNotification): FlushResult {
	return {
		type: sent.type,
		eventType: sent.eventType,
		messageId: sent.messageId,
		snsMessageId: sent.snsMessageId,
		status: sent.attempts.at(-1)?.status ?? null,
		outcome: sent.outcome,
	};
}

function randomHex(bytes: number): string {
	return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
		b.toString(16).padStart(2, "0"),
	).join("");
}
