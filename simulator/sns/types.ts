// The shapes of the simulator's SNS: its options, the controls on `SesSimulator.sns` (and the
// app's wider `SnsPublisher`), and the records it keeps of what it queued and posted, which the
// inbox and `GET /_simulator/sns` show.

import type { SentMessage } from "../store.ts";
import type { SnsMessage, SnsMessageType, UnsignedSnsMessage } from "./messages.ts";

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
	 * Automatic posts in flight at once. SNS posts a topic's messages to an HTTP endpoint in
	 * parallel and in no guaranteed order; default 1 (in order, for tests that read them so).
	 */
	concurrency?: number;
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
