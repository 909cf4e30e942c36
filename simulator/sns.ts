// The simulator's SNS side: the topic SES publishes its events to and the one HTTP(S)
// subscription that posts them to the Worker's `/hooks/sns`, signed the way SNS signs
// (SignatureVersion 2: RSASSA-PKCS1-v1_5 with SHA-256 over AWS's documented string to sign) with
// a key and self-signed certificate made at first use and served at `<publicUrl>/sns/…pem`.
//
// After SendEmail accepts a message, its SES events (ses-events.ts) are queued. With an endpoint
// and `autoDeliver`, the queue is posted in order after `delayMs`; a non-2xx answer or a network
// error is retried after each of `retryDelaysMs`, then given up. In-process, `flush()` posts
// everything queued at once (retrying without pausing). Every posted message is recorded with
// its attempts. Without an endpoint or `deliver`, events stay queued and are only recorded.

import { sesEventsFor } from "./ses-events.ts";
import type { SentMessage } from "./store.ts";
import { createSigningIdentity, type SigningIdentity } from "./x509.ts";

// ---------------------------------------------------------------------------------------------
// Messages, as SNS posts them

interface SnsMessageBase {
	MessageId: string;
	TopicArn: string;
	Message: string;
	Timestamp: string;
	SignatureVersion: "1" | "2";
	Signature: string;
	SigningCertURL: string;
}

export interface SnsNotificationMessage extends SnsMessageBase {
	Type: "Notification";
	Subject?: string;
	UnsubscribeURL: string;
}

export interface SnsConfirmationMessage extends SnsMessageBase {
	Type: "SubscriptionConfirmation" | "UnsubscribeConfirmation";
	Token: string;
	SubscribeURL: string;
}

export type SnsMessage = SnsNotificationMessage | SnsConfirmationMessage;
export type SnsMessageType = SnsMessage["Type"];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A message before signing: `sign()` adds SignatureVersion, Signature and SigningCertURL. */
export type UnsignedSnsMessage = DistributiveOmit<
	SnsMessage,
	"Signature" | "SignatureVersion" | "SigningCertURL"
>;

/** The Subject SES gives event-publishing notifications. */
export const SES_EVENT_SUBJECT = "Amazon SES Email Event Notification";
/**
 * Each simulator has its own key, so its certificate gets its own file name, as SNS names each
 * of its certificates differently: a verifier caching keys by URL never mixes two simulators.
 */
export function certificatePath(): string {
	const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
		b.toString(16).padStart(2, "0"),
	).join("");
	return `/sns/SimpleNotificationService-${id}.pem`;
}

/**
 * AWS's string to sign ("Verifying the signatures of Amazon SNS messages"): `Key\nValue\n` for
 * these keys in this order; Subject only when the message has one.
 */
export function snsStringToSign(message: UnsignedSnsMessage): string {
	const pairs: [string, string | undefined][] =
		message.Type === "Notification"
			? [
					["Message", message.Message],
					["MessageId", message.MessageId],
					["Subject", message.Subject],
					["Timestamp", message.Timestamp],
					["TopicArn", message.TopicArn],
					["Type", message.Type],
				]
			: [
					["Message", message.Message],
					["MessageId", message.MessageId],
					["SubscribeURL", message.SubscribeURL],
					["Timestamp", message.Timestamp],
					["Token", message.Token],
					["TopicArn", message.TopicArn],
					["Type", message.Type],
				];
	return pairs
		.filter((pair): pair is [string, string] => pair[1] !== undefined)
		.map(([key, value]) => `${key}\n${value}\n`)
		.join("");
}

/** The body as SNS writes it: `"Key" : "value"` lines in SNS's field order. */
function snsBody(message: SnsMessage): string {
	const order =
		message.Type === "Notification"
			? [
					"Type",
					"MessageId",
					"TopicArn",
					"Subject",
					"Message",
					"Timestamp",
					"SignatureVersion",
					"Signature",
					"SigningCertURL",
					"UnsubscribeURL",
				]
			: [
					"Type",
					"MessageId",
					"Token",
					"TopicArn",
					"Message",
					"SubscribeURL",
					"Timestamp",
					"SignatureVersion",
					"Signature",
					"SigningCertURL",
				];
	const fields = message as unknown as Record<string, string | undefined>;
	const lines = order
		.filter((key) => fields[key] !== undefined)
		.map((key) => `  ${JSON.stringify(key)} : ${JSON.stringify(fields[key])}`);
	return `{\n${lines.join(",\n")}\n}`;
}

// ---------------------------------------------------------------------------------------------
// Options and records

export interface SnsOptions {
	/** Default `arn:aws:sns:<region>:000000000000:sendfleet-ses-events`. */
	topicArn?: string;
	/** Where notifications are POSTed (the Worker's `/hooks/sns`). */
	endpoint?: string;
	/**
	 * Posts a request instead of `fetch` (tests pass the Worker's fetch handler). The request's URL
	 * is `endpoint`, or `https://sendfleet.test/hooks/sns` without one.
	 */
	deliver?: (request: Request) => Promise<Response>;
	/**
	 * Post queued notifications by themselves, `delayMs` after they are queued. Default: true with
	 * `endpoint` alone, false when `deliver` is set (call `flush()`).
	 */
	autoDeliver?: boolean;
	/** Default 200. */
	delayMs?: number;
	/**
	 * Pauses before each retry of a failed post; default [1000, 2000, 4000] (four attempts).
	 * `flush()` and `publish()` retry as many times without pausing.
	 */
	retryDelaysMs?: readonly number[];
	/** Start with automatic delivery held until `resume()` (the server, until it has subscribed). */
	paused?: boolean;
}

export interface SnsAttempt {
	/** The HTTP status, or null when the post failed without an answer. */
	status: number | null;
	/** ISO 8601, on the simulator's clock. */
	at: string;
	/** The start of the answer's body, or the network error. */
	answer: string;
}

export type SnsOutcome =
	/** Being posted (or waiting to retry). */
	| "posting"
	/** Answered 2xx. */
	| "delivered"
	/** Every attempt failed. */
	| "failed"
	/** Signed but not posted: no endpoint, or unsubscribed. */
	| "recorded";

/** One signed message, as posted (or recorded). */
export interface SentNotification {
	type: SnsMessageType;
	/** The SES event's `eventType` (or `notificationType`); null for confirmations. */
	eventType: string | null;
	/** The SES MessageId of the email it is about, when there is one. */
	messageId: string | null;
	/** The recipients the SES event is about. */
	recipients: string[];
	snsMessageId: string;
	url: string;
	headers: Record<string, string>;
	/** Exactly as posted; post it again to test duplicates. */
	body: string;
	message: SnsMessage;
	attempts: SnsAttempt[];
	outcome: SnsOutcome;
}

/** A notification waiting to be signed and posted. */
export interface PendingNotification {
	type: "Notification";
	eventType: string | null;
	messageId: string | null;
	recipients: string[];
	snsMessageId: string;
	/** When SES published it (the SNS Timestamp). */
	timestamp: string;
	/** The SES event, as it will be in `Message`. */
	event: Record<string, unknown>;
}

export interface FlushResult {
	type: SnsMessageType;
	eventType: string | null;
	messageId: string | null;
	snsMessageId: string;
	/** The last answer's status; null when not posted or when no answer came. */
	status: number | null;
	outcome: SnsOutcome;
}

export interface SubscriptionState {
	confirmed: boolean;
	arn?: string;
}

/** The SNS controls on `SesSimulator.sns`. */
export interface SimulatorSns {
	topicArn: string;
	/** The SigningCertURL of every message. */
	certUrl: string;
	/** Where messages are posted; null when they are only recorded. */
	endpoint: string | null;
	/** The certificate served at `certUrl` (made on first use). */
	certificatePem(): Promise<string>;
	/** Adds SignatureVersion "2", SigningCertURL and the Signature. */
	sign(message: UnsignedSnsMessage): Promise<SnsMessage>;
	/** Signs `sesEvent` as a Notification and posts it now, outside the queue. */
	publish(sesEvent: object, options?: { subject?: string | null }): Promise<SentNotification>;
	/**
	 * Posts a SubscriptionConfirmation whose SubscribeURL confirms the subscription. One attempt
	 * unless `retryDelaysMs` is given (the server waits them out while the Worker starts).
	 */
	subscribe(options?: { retryDelaysMs?: readonly number[] }): Promise<SentNotification>;
	subscription(): SubscriptionState;
	/** Signs and posts everything queued, in order; resolves when all are done. */
	flush(): Promise<FlushResult[]>;
	/** Queued notifications, oldest first. */
	pending(): PendingNotification[];
	/** Posted (and recorded) messages, oldest first. */
	sent(): SentNotification[];
	/** Starts automatic delivery held by `paused`. */
	resume(): void;
	/** Stops automatic delivery and retries for good (the server calls it on close). */
	stop(): void;
	/** Forgets queued and sent notifications. */
	clear(): void;
}

export interface SnsPublisher extends SimulatorSns {
	/** Queues the SES events of an accepted message. */
	enqueueMessage(message: SentMessage): void;
	/** Confirms the subscription for a token from a SubscribeURL; its ARN, or null. */
	confirmSubscription(token: string): string | null;
	/** Unsubscribes when `arn` is the subscription's; true when it was. */
	unsubscribe(arn: string): boolean;
	/** Queued and sent notifications about one email (by SES MessageId), oldest first. */
	notificationsFor(messageId: string): (PendingNotification | SentNotification)[];
}

export interface SnsPublisherDeps {
	region: string;
	/** The simulator's own origin as the Worker reaches it, e.g. `http://127.0.0.1:8788`. */
	publicUrl: string;
	now: () => Date;
	/** Records kept (queued and sent each) before the oldest are dropped. */
	maxRecords: number;
}

const DEFAULT_DELAY_MS = 200;
const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 4_000];
const DEFAULT_DELIVER_URL = "https://sendfleet.test/hooks/sns";
const ANSWER_SNIPPET = 200;

export function createSnsPublisher(options: SnsOptions, deps: SnsPublisherDeps): SnsPublisher {
	const publicUrl = deps.publicUrl.replace(/\/+$/, "");
	const topicArn =
		options.topicArn ?? `arn:aws:sns:${deps.region}:000000000000:sendfleet-ses-events`;
	const subscriptionArn = `${topicArn}:${crypto.randomUUID()}`;
	const certUrl = `${publicUrl}${certificatePath()}`;
	const unsubscribeUrl = `${publicUrl}/sns/unsubscribe?SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;
	const deliver = options.deliver;
	const hasTransport = deliver !== undefined || options.endpoint !== undefined;
	const url = options.endpoint ?? DEFAULT_DELIVER_URL;
	const autoDeliver = options.autoDeliver ?? (options.endpoint !== undefined && !deliver);
	const delayMs = options.delayMs ?? DEFAULT_DELAY_MS;
	const retryDelays = [...(options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)];

	let identity: Promise<SigningIdentity> | undefined;
	const signingIdentity = () => {
		identity ??= createSigningIdentity({ commonName: "sns.sendfleet-simulator.local" }).catch(
			(error: unknown) => {
				identity = undefined;
				throw error;
			},
		);
		return identity;
	};

	let queue: PendingNotification[] = [];
	let records: SentNotification[] = [];
	const tokens = new Set<string>();
	let confirmed = false;
	let unsubscribed = false;
	let paused = options.paused ?? false;
	let stopped = false;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const sleepers = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();

	// One drain at a time, so posts keep their order.
	let chain: Promise<unknown> = Promise.resolve();
	const serialize = <T>(task: () => Promise<T>): Promise<T> => {
		const run = chain.then(task, task);
		chain = run.catch(() => {});
		return run;
	};

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

	const keep = <T>(list: T[]): T[] =>
		list.length > deps.maxRecords ? list.slice(-deps.maxRecords) : list;

	async function sign(message: UnsignedSnsMessage): Promise<SnsMessage> {
		const signer = await signingIdentity();
		const Signature = await signer.sign(snsStringToSign(message), "2");
		return { ...message, SignatureVersion: "2", Signature, SigningCertURL: certUrl } as SnsMessage;
	}

	async function record(
		unsigned: UnsignedSnsMessage,
		about: Pick<SentNotification, "eventType" | "messageId" | "recipients">,
	): Promise<SentNotification> {
		const message = await sign(unsigned);
		const headers: Record<string, string> = {
			"x-amz-sns-message-type": message.Type,
			"x-amz-sns-message-id": message.MessageId,
			"x-amz-sns-topic-arn": message.TopicArn,
		};
		if (message.Type === "Notification") {
			headers["x-amz-sns-subscription-arn"] = subscriptionArn;
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
		records = keep([...records, sent]);
		return sent;
	}

	/** Posts until 2xx, pausing `delays[i]` before retry i+1 when `wait`; then gives up. */
	async function post(sent: SentNotification, delays: readonly number[], wait: boolean) {
		if (!hasTransport || (sent.type === "Notification" && unsubscribed)) {
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

	/** Signs and posts queued notifications in order until the queue is empty. */
	async function drain(automatic: boolean): Promise<FlushResult[]> {
		const results: FlushResult[] = [];
		while (queue.length > 0 && !(automatic && (paused || stopped))) {
			const [next, ...rest] = queue;
			if (next === undefined) break;
			queue = rest;
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
			await post(sent, retryDelays, automatic);
			results.push(flushResult(sent));
		}
		return results;
	}

	function schedule() {
		if (!autoDeliver || paused || stopped || timer !== undefined) return;
		timer = setTimeout(() => {
			timer = undefined;
			serialize(() => drain(true)).catch((error: unknown) => {
				console.error("SES simulator: posting SNS notifications failed", error);
			});
		}, delayMs);
	}

	return {
		topicArn,
		certUrl,
		endpoint: hasTransport ? url : null,
		certificatePem: async () => (await signingIdentity()).pem,
		sign,

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
			await post(sent, retryDelays, false);
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
			await post(sent, subscribeOptions.retryDelaysMs ?? [], true);
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
			stopped = true;
			if (timer !== undefined) clearTimeout(timer);
			timer = undefined;
			for (const sleeper of sleepers) {
				clearTimeout(sleeper.timer);
				sleeper.wake();
			}
			sleepers.clear();
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

function describeEvent(event: Record<string, unknown>): {
	eventType: string | null;
	messageId: string | null;
} {
	const type = event.eventType ?? event.notificationType;
	const mail = event.mail as Record<string, unknown> | undefined;
	const messageId = typeof mail === "object" && mail !== null ? mail.messageId : undefined;
	return {
		eventType: typeof type === "string" ? type : null,
		messageId: typeof messageId === "string" ? messageId : null,
	};
}

/** The recipients an arbitrary SES event names (delivered, bounced, complained or delayed). */
function eventRecipients(event: Record<string, unknown>): string[] {
	const object = (key: string) => {
		const value = event[key];
		return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
	};
	const addresses = (list: unknown) =>
		Array.isArray(list)
			? list
					.map((item) =>
						typeof item === "string"
							? item
							: typeof item === "object" && item !== null
								? (item as { emailAddress?: unknown }).emailAddress
								: undefined,
					)
					.filter((a): a is string => typeof a === "string")
			: [];
	return [
		...addresses(object("delivery").recipients),
		...addresses(object("bounce").bouncedRecipients),
		...addresses(object("complaint").complainedRecipients),
		...addresses(object("deliveryDelay").delayedRecipients),
	];
}

function randomHex(bytes: number): string {
	return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
		b.toString(16).padStart(2, "0"),
	).join("");
}
