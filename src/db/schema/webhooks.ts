/**
 * Customers' webhook endpoints and each event's delivery to them.
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Customer webhooks (SPEC §10). An endpoint belongs to one account and names the event types
 * it receives; its signing secrets are stored AES-GCM encrypted (src/lib/secret-box.ts, key
 * `WEBHOOK_SECRET_KEY`), never in the clear. After a rotation the previous secret keeps
 * signing beside the new one until `previous_secret_expires_at` (24 h).
 */
export const WEBHOOK_STATUSES = ["enabled", "disabled"] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export const webhookEndpoints = sqliteTable(
	"webhook_endpoints",
	{
		id: text("id").primaryKey(),
		accountId: text("account_id").notNull(),
		endpoint: text("endpoint").notNull(),
		/** The event types delivered, JSON text. */
		events: text("events", { mode: "json" }).notNull().$type<string[]>(),
		status: text("status", { enum: WEBHOOK_STATUSES }).notNull().default("enabled"),
		/** Why it is disabled when SendFleet disabled it (72 h of failures); null otherwise. */
		disabledReason: text("disabled_reason"),
		/** `whsec_…`, encrypted: base64 of IV ‖ ciphertext. */
		secretEncrypted: text("secret_encrypted").notNull(),
		previousSecretEncrypted: text("previous_secret_encrypted"),
		previousSecretExpiresAt: integer("previous_secret_expires_at"),
		/**
		 * About when the endpoint last answered 2xx: written by a success only when the stored
		 * time is over an hour old (so at most hourly), so the true last success is less than an
		 * hour after it. Null until the first. What the 72 h disable rule reads.
		 */
		lastSuccessAt: integer("last_success_at"),
		createdAt: integer("created_at").notNull(),
	},
	(t) => [index("webhook_endpoints_account").on(t.accountId, t.id)],
);

/**
 * The webhook tables are written for every event of every account with an endpoint, so each row
 * is one b-tree entry: keyed by how it is read, WITHOUT ROWID (the migration says it; drizzle
 * cannot), with no index of its own. An event delivered to one endpoint at the first attempt is
 * 2 rows: its delivery, then the delivery's new state with the attempt logged in it
 * (test/domain/rows-written.test.ts).
 */

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "attempting", "success", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * One event for one endpoint: Resend's "webhook event" as listed under `/webhooks/:id/events`.
 * The event itself (id, type, payload) is in each of its deliveries: an event goes to one
 * endpoint far more often than to several, and a row of its own was a row more per event
 * (migration 0031).
 */
export const webhookDeliveries = sqliteTable(
	"webhook_deliveries",
	{
		endpointId: text("endpoint_id").notNull(),
		/** Stable: the `webhook-id` of every attempt and replay, so receivers can de-duplicate. */
		eventId: text("event_id").notNull(),
		type: text("type").notNull(),
		/** The exact JSON body sent, `{type, created_at, data}`. */
		payload: text("payload").notNull(),
		status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default("pending"),
		attempts: integer("attempts").notNull().default(0),
		nextAttemptAt: integer("next_attempt_at"),
		/** When the current run of attempts started (a replay starts a new one): the 72 h clock. */
		firstAttemptAt: integer("first_attempt_at"),
		/** When the event happened. */
		createdAt: integer("created_at").notNull(),
		/**
		 * The delivery's attempts, oldest first, the newest MAX_LOGGED_ATTEMPTS of them: written by
		 * the update that records the attempt's outcome, so an attempt costs no row of its own.
		 */
		attemptLog: text("attempt_log", { mode: "json" }).$type<WebhookAttempt[]>(),
	},
	// The retention purge finds old deliveries through the endpoints, a key range of each.
	(t) => [primaryKey({ columns: [t.endpointId, t.eventId] })],
);

/** One HTTP attempt of a delivery, as its log keeps it. */
export interface WebhookAttempt {
	/** UUIDv7: attempts are listed by it, newest first. */
	id: string;
	/** 0 when no HTTP answer came (timeout, connection reset): `error` says what happened. */
	httpStatus: number;
	/** The first 1 KB of the response body. */
	response: string;
	durationMs: number;
	error: string | null;
	sentAt: number;
}

/**
 * Attempts a delivery's log keeps; older ones go first. A run of retries makes about a dozen
 * in its 72 hours, so only a delivery replayed many times loses any, and its row stays small
 * (D1 caps a row at 2 MB; an attempt is at most about 1.2 KB).
 */
export const MAX_LOGGED_ATTEMPTS = 100;
