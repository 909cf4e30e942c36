/**
 * The email log: each email's row with its timeline, the lookup rows GET /emails filters
 * on, attachments' metadata, the daily figures, the walks' cursors, idempotency keys and the
 * notifications that matched no email.
 */
import { sql } from "drizzle-orm";
import { customType, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { EMAIL_EVENTS, EMAIL_STATUSES } from "./email-statuses.ts";

/** A BLOB as bytes: D1 takes an ArrayBuffer and answers an ArrayBuffer or an array of numbers. */
const bytes = customType<{ data: Uint8Array<ArrayBuffer>; driverData: ArrayBuffer | number[] }>({
	dataType: () => "blob",
	toDriver: (value) =>
		value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer,
	fromDriver: (value) => new Uint8Array(value),
});

export type Tag = { name: string; value: string };

/** One line of an email's timeline (`emails.timeline`). */
export interface TimelineRow {
	type: string;
	recipient: string | null;
	details: Record<string, unknown> | null;
	/** When it happened (epoch ms). */
	at: number;
	/** What it came from (an SNS message and recipient, a send attempt): seen once. */
	key: string;
}

export const emails = sqliteTable(
	"emails",
	{
		/**
		 * The email's place in the log, and the table's integer primary key (its rowid): its id's
		 * time and counter, times eight, plus a slot (src/db/queries/email-seq.ts). A rowid table
		 * keyed by the text id kept a second b-tree of ids, a row written per email; this key is
		 * found from the id, so the id needs no index. Never read into JavaScript: D1 answers
		 * integers as numbers, and a seq has 63 bits.
		 */
		seq: integer("seq").primaryKey(),
		/** The public id, a UUIDv7. Not indexed; unique: the insert refuses one already stored. */
		id: text("id").notNull(),
		accountId: text("account_id").notNull(),
		domainId: text("domain_id").notNull(),
		from: text("from_address").notNull(),
		to: text("to_addresses", { mode: "json" }).notNull().$type<string[]>(),
		cc: text("cc_addresses", { mode: "json" }).$type<string[]>(),
		bcc: text("bcc_addresses", { mode: "json" }).$type<string[]>(),
		replyTo: text("reply_to", { mode: "json" }).$type<string[]>(),
		subject: text("subject").notNull(),
		/** The bodies as given, or null when they are in `body` (src/db/queries/email-bodies.ts). */
		html: text("html"),
		text: text("text_body"),
		/**
		 * The bodies gzipped together, for bodies of a kilobyte or more: D1 bills storage by the
		 * byte for the whole 90 days, and HTML shrinks several times (docs/scaling.md, "Storage").
		 * Read back into `html` and `text` by the queries that return content.
		 */
		body: bytes("body"),
		headers: text("headers", { mode: "json" }).$type<Record<string, string>>(),
		tags: text("tags", { mode: "json" }).$type<Tag[]>(),
		status: text("status", { enum: EMAIL_STATUSES }).notNull().default("pending"),
		lastEvent: text("last_event", { enum: EMAIL_EVENTS }).notNull().default("queued"),
		/**
		 * SES's id for the message. Not indexed: feedback finds the email by the id our SES tag
		 * carries back and only checks this (src/domain/feedback.ts).
		 */
		sesMessageId: text("ses_message_id"),
		/** Why the email failed, in words a customer can act on. */
		failureReason: text("failure_reason"),
		createdAt: integer("created_at").notNull(),
		/** When SES accepted the message. */
		sentAt: integer("sent_at"),
		deliveredAt: integer("delivered_at"),
		/** The recipients whose delivery SES confirmed (the lifecycle's state, not the timeline). */
		deliveredTo: text("delivered_to", { mode: "json" }).$type<string[]>(),
		/** Bumped by every lifecycle write: a write applies only to the state it was decided on. */
		revision: integer("revision").notNull().default(0),
		/**
		 * Whether the account had a webhook endpoint when the email was accepted. Only then does
		 * its lifecycle look for endpoints to emit events to, so an account without webhooks pays
		 * nothing for them per email; an endpoint added later gets the events of emails accepted
		 * after it. Rows written before this column existed (and tests' direct inserts) look.
		 */
		webhooks: integer("webhooks", { mode: "boolean" }).notNull().default(true),
		/** When a scheduled email is due (`scheduled_at`); null for an email sent at once. */
		scheduledAt: integer("scheduled_at"),
		/** How many files it carries (`email_attachments`): the consumer looks them up only then. */
		attachmentCount: integer("attachment_count").notNull().default(0),
		/**
		 * The event timeline (`GET /emails/:id` → `events`), oldest first, each entry with the key
		 * of the notification or attempt it came from, so one seen again adds nothing. Kept in the
		 * row it describes: the write that changes the email's state carries its timeline too,
		 * with no row and no index entries of its own (src/domain/email-recorder.ts).
		 */
		timeline: text("timeline", { mode: "json" }).$type<TimelineRow[]>(),
		/**
		 * A random token each lifecycle write sets, so the statements of its batch that must count
		 * only if that write won (the daily counts) can say so.
		 */
		writeToken: text("write_token"),
		/**
		 * The key of `emails_account_state`, which GET /emails's status and last_event filters
		 * read: `<status>:<last_event>` (`emailStateKey`), null for the common end state. Set with
		 * status and last_event by the insert and the lifecycle's write (src/db/queries/emails.ts).
		 */
		stateKey: text("state_key"),
		/**
		 * The send group it was queued in (src/db/queries/send-marks.ts): the key under which the
		 * send consumer may record SES's acceptance in `send_marks` instead of writing this row.
		 */
		sendGroup: integer("send_group"),
		/**
		 * Set (1) on an email the list reaches through the run of an email before it, so it has
		 * no entry of its own in `emails_account_runs`: a batch's emails from one domain are one
		 * run (src/db/queries/email-runs.ts).
		 */
		inRun: integer("in_run"),
		/** On the first email of a run of several: the last seq its run holds. */
		runEnd: integer("run_end"),
		/**
		 * Its first recipient (of to, cc and bcc), bare and lower-cased: GET /emails's `to`
		 * filter finds it through `emails_account_recipient`, and only further recipients get a
		 * row in `email_recipients`. Null on emails stored before it existed, whose recipients
		 * all have rows there.
		 */
		firstRecipient: text("first_recipient"),
		/**
		 * Its first tag as `name:value`, for the `tag` filter likewise (`emails_account_tag`);
		 * further tags have rows in `email_tags`. Null without tags, or stored before it existed.
		 */
		firstTag: text("first_tag"),
	},
	(t) => [
		// GET /emails filters (src/db/queries/email-list.ts `listEmails`), each a range in id order.
		// One index serves both status and last_event, keyed by the pair (`stateKey`): an email
		// is written in it once at acceptance, not at the send (`sent` is keyed as `queued`), and
		// leaves it at its delivery, which costs nothing (an entry removed is not billed). The
		// list finds the common end state by filtering the account's newest emails, where it is
		// the majority; docs/scaling.md has the tradeoff.
		// Every index ends with the rowid, `seq`, so each range below is in the log's order.
		index("emails_account_state").on(t.accountId, t.stateKey).where(sql`${t.stateKey} IS NOT NULL`),
		// The account's emails by domain, in id order, one entry per run (the first email of each;
		// the rest are read by seq from it, src/db/queries/email-runs.ts): the `domain_id` filter,
		// and the account's whole list as the merge of its domains' ranges (`listEmails`), so no
		// index of the account's emails in id order alone costs a row per email besides.
		index("emails_account_runs").on(t.accountId, t.domainId).where(sql`${t.inRun} IS NULL`),
		// The `to` filter's emails by their first recipient: an index entry costs what a lookup
		// row does when written, but the purge's delete of the row removes it free, where a
		// lookup row's delete is a row written (docs/scaling.md, "The purge").
		index("emails_account_recipient")
			.on(t.accountId, t.firstRecipient)
			.where(sql`${t.firstRecipient} IS NOT NULL`),
		// And the `tag` filter's, by its first tag, for the same reason.
		index("emails_account_tag").on(t.accountId, t.firstTag).where(sql`${t.firstTag} IS NOT NULL`),
		// The minute's dispatch of due scheduled emails (src/cron/dispatch-scheduled.ts): only
		// emails still waiting are in it, so its range scan reads the due ones and nothing else.
		index("emails_scheduled").on(t.scheduledAt).where(sql`${t.lastEvent} = 'scheduled'`),
	],
);

/**
 * Where a cron job that walks a table in id order got to (e.g. the stuck-email sweep,
 * src/cron/requeue-stuck-emails.ts): one row per job, so the walk reads each row once.
 */
export const cronCursors = sqliteTable("cron_cursors", {
	name: text("name").primaryKey(),
	position: text("position").notNull(),
});

/**
 * Each account's daily figures for GET /account/metrics (src/db/queries/metrics.ts): one row
 * per account, UTC day and figure (`sent`, `delivered`, `hard_bounced`, …), counted per
 * recipient as the lifecycle records events, in the same batch and only when its write won.
 * A day's figure costs one row written per recorded event, where a timeline row with its indexes
 * cost five.
 */
export const accountDayCounts = sqliteTable(
	"account_day_counts",
	{
		accountId: text("account_id").notNull(),
		/** Days since the epoch, UTC. */
		day: integer("day").notNull(),
		figure: text("figure").notNull(),
		count: integer("count").notNull(),
	},
	// The key is the row: the table has no rowid (the migration says WITHOUT ROWID, which drizzle
	// cannot), and no index of days, so a day's first figure costs one row written, not three. The
	// purge finds old days account by account on the key (`deleteOldDayCounts`).
	(t) => [primaryKey({ columns: [t.accountId, t.day, t.figure] })],
);

/**
 * Lookup rows for GET /emails?to=: one per distinct recipient (to, cc and bcc; the bare address,
 * lower-cased), written in the batch that inserts the email. The key is the lookup itself
 * (account, address, email), and the table has no rowid (the migration says WITHOUT ROWID,
 * which drizzle cannot), so a recipient costs one row written, where a rowid, a key and a
 * lookup index cost three. With no index by email, the purge deletes an email's rows by their
 * whole key, computed from the email's addresses (src/db/queries/retention.ts).
 */
export const emailRecipients = sqliteTable(
	"email_recipients",
	{
		emailId: text("email_id").notNull(),
		address: text("address").notNull(),
		accountId: text("account_id").notNull(),
	},
	(t) => [primaryKey({ columns: [t.accountId, t.address, t.emailId] })],
);

/** Lookup rows for GET /emails?tag=name:value, one per distinct tag; as `email_recipients`. */
export const emailTags = sqliteTable(
	"email_tags",
	{
		emailId: text("email_id").notNull(),
		/** `name:value` (neither part can contain a colon). */
		tag: text("tag").notNull(),
		accountId: text("account_id").notNull(),
	},
	(t) => [primaryKey({ columns: [t.accountId, t.tag, t.emailId] })],
);

/**
 * An email's files: the metadata here, the bytes in R2 (the ATTACHMENTS bucket) under
 * `r2Key`, which starts with the email's id so the purge can delete objects by age
 * (src/cron/purge-attachments.ts). Deleted with their email.
 */
export const emailAttachments = sqliteTable(
	"email_attachments",
	{
		/** What the API names it by; always looked up with its email's id (the key). */
		id: text("id").notNull(),
		/** No foreign key (`emails.id` has no index to check it by): deleted with the email. */
		emailId: text("email_id").notNull(),
		accountId: text("account_id").notNull(),
		filename: text("filename").notNull(),
		contentType: text("content_type").notNull(),
		/** Bytes, before base64. */
		size: integer("size").notNull(),
		/** Set for an inline attachment (`<img src="cid:…">`). */
		contentId: text("content_id"),
		r2Key: text("r2_key").notNull(),
		/** Its place in the request's `attachments`, which is the order SES gets them in. */
		position: integer("position").notNull(),
	},
	(t) => [primaryKey({ columns: [t.emailId, t.position] })],
);

/**
 * Feedback notifications that matched no email (purged, never ours, or a test message): kept
 * for diagnosis and acknowledged so SNS stops retrying. Purged with the emails after 90 days.
 */
export const unmatchedNotifications = sqliteTable("unmatched_notifications", {
	id: text("id").primaryKey(),
	snsMessageId: text("sns_message_id").notNull(),
	topicArn: text("topic_arn").notNull(),
	sesMessageId: text("ses_message_id"),
	type: text("type"),
	payload: text("payload").notNull(),
	createdAt: integer("created_at").notNull(),
});

/**
 * `Idempotency-Key` on POST /emails and /emails/batch, kept 24 hours: the first request's
 * body hash and, once it finished, its response, replayed for the same key and body.
 */
export const idempotencyKeys = sqliteTable(
	"idempotency_keys",
	{
		accountId: text("account_id").notNull(),
		key: text("key").notNull(),
		/** `POST /emails` or `POST /emails/batch`: a key belongs to one endpoint. */
		endpoint: text("endpoint").notNull(),
		/** SHA-256 of the request body. */
		requestHash: text("request_hash").notNull(),
		/** Null while the first request is still running. */
		responseStatus: integer("response_status"),
		responseBody: text("response_body"),
		createdAt: integer("created_at").notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.accountId, t.key] }),
		index("idempotency_keys_created").on(t.createdAt),
	],
);
