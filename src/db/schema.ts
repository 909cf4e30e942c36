/**
 * The D1 schema, in drizzle. Migrations in `migrations/` are generated from this file with
 * `npm run db:generate`; never edit a migration that has been applied.
 *
 * Conventions: ids are UUIDv7 strings. They sort by creation time, so `(account_id, id)` is the
 * keyset for newest-first pagination without OFFSET, and the 90-day purge is a range scan on the
 * primary key (no extra index to write on every insert). `emails`, the largest table, is keyed
 * by `seq` instead, an integer found from the id that keeps its order (src/db/queries/email-seq.ts).
 * Times are integer milliseconds since the epoch; lists of addresses and tags are JSON text.
 */
import { sql } from "drizzle-orm";
import {
	customType,
	index,
	integer,
	primaryKey,
	real,
	sqliteTable,
	text,
	uniqueIndex,
} from "drizzle-orm/sqlite-core";

/** A BLOB as bytes: D1 takes an ArrayBuffer and answers an ArrayBuffer or an array of numbers. */
const bytes = customType<{ data: Uint8Array<ArrayBuffer>; driverData: ArrayBuffer | number[] }>({
	dataType: () => "blob",
	toDriver: (value) =>
		value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer,
	fromDriver: (value) => new Uint8Array(value),
});

export const PLANS = ["free", "growth", "pro"] as const;
export type Plan = (typeof PLANS)[number];

/** Stripe's subscription statuses, plus `none` before the first checkout. */
export const SUBSCRIPTION_STATUSES = [
	"none",
	"incomplete",
	"incomplete_expired",
	"trialing",
	"active",
	"past_due",
	"canceled",
	"unpaid",
	"paused",
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const VERIFICATION_STATUSES = ["none", "pending", "approved", "rejected"] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

export const accounts = sqliteTable(
	"accounts",
	{
		id: text("id").primaryKey(),
		name: text("name").notNull(),
		/** The plan being paid for; `free` until a Growth or Pro subscription is active. */
		plan: text("plan", { enum: PLANS }).notNull().default("free"),
		verificationStatus: text("verification_status", { enum: VERIFICATION_STATUSES })
			.notNull()
			.default("none"),
		suspendedAt: integer("suspended_at"),
		suspensionReason: text("suspension_reason"),
		/** The 7-day figures that caused the suspension (mirrored from the account's guard). */
		suspensionDetails: text("suspension_details", { mode: "json" }).$type<
			Record<string, unknown>
		>(),
		/** The user who signed up; null for accounts made by seeds and tests. */
		ownerUserId: text("owner_user_id"),
		stripeCustomerId: text("stripe_customer_id"),
		stripeSubscriptionId: text("stripe_subscription_id"),
		subscriptionStatus: text("subscription_status", { enum: SUBSCRIPTION_STATUSES })
			.notNull()
			.default("none"),
		/** End of the paid period, from Stripe. */
		currentPeriodEnd: integer("current_period_end"),
		createdAt: integer("created_at").notNull(),
	},
	(t) => [
		// Stripe webhooks find the account by its customer.
		uniqueIndex("accounts_stripe_customer")
			.on(t.stripeCustomerId)
			.where(sql`${t.stripeCustomerId} IS NOT NULL`),
	],
);

export const API_KEY_PERMISSIONS = ["full_access", "sending_access"] as const;
export type ApiKeyPermission = (typeof API_KEY_PERMISSIONS)[number];

export const apiKeys = sqliteTable(
	"api_keys",
	{
		id: text("id").primaryKey(),
		accountId: text("account_id")
			.notNull()
			.references(() => accounts.id, { onDelete: "cascade" }),
		name: text("name").notNull(),
		/** SHA-256 of the whole token; the token itself is shown once and never stored. */
		tokenHash: text("token_hash").notNull(),
		permission: text("permission", { enum: API_KEY_PERMISSIONS }).notNull(),
		/** Set only for `sending_access` keys restricted to one domain. */
		domainId: text("domain_id"),
		createdAt: integer("created_at").notNull(),
		lastUsedAt: integer("last_used_at"),
	},
	(t) => [
		uniqueIndex("api_keys_token_hash").on(t.tokenHash),
		index("api_keys_account").on(t.accountId, t.id),
	],
);

/** Resend's statuses; `temporary_failure` is SES's: it cannot confirm a domain it verified before. */
export const RECORD_STATUSES = [
	"not_started",
	"pending",
	"verified",
	"failed",
	"temporary_failure",
] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/** What the latest check found for one DNS record (shown per record in the API). */
export interface RecordDiagnosis {
	state: "found" | "missing" | "wrong_value" | "could_not_check";
	/** The values DNS returned, so the customer sees what is there instead. */
	found: string[];
	message: string;
}

export type DomainDiagnosis = Record<string, RecordDiagnosis>;

export const SENDING_PATHS = ["shared", "byoc"] as const;
export type SendingPath = (typeof SENDING_PATHS)[number];

export const domains = sqliteTable(
	"domains",
	{
		id: text("id").primaryKey(),
		accountId: text("account_id")
			.notNull()
			.references(() => accounts.id, { onDelete: "cascade" }),
		/**
		 * Lower-case ASCII (punycode). On Shared SES unique across accounts among unreleased rows
		 * (our SES account holds one identity per name); a BYOC domain's identity is in the
		 * customer's own AWS account, so it is unique only within its account.
		 */
		name: text("name").notNull(),
		/** `shared`: SendFleet's SES account; `byoc`: the account's own (its AWS connection). */
		sendingPath: text("sending_path", { enum: SENDING_PATHS }).notNull().default("shared"),
		region: text("region").notNull(),
		ownershipStatus: text("ownership_status", { enum: RECORD_STATUSES })
			.notNull()
			.default("not_started"),
		dkimStatus: text("dkim_status", { enum: RECORD_STATUSES }).notNull().default("not_started"),
		spfStatus: text("spf_status", { enum: RECORD_STATUSES }).notNull().default("not_started"),
		mailFromStatus: text("mail_from_status", { enum: RECORD_STATUSES })
			.notNull()
			.default("not_started"),
		dmarcStatus: text("dmarc_status", { enum: RECORD_STATUSES }).notNull().default("not_started"),
		/** The SES v1 `_amazonses` TXT token. */
		verificationToken: text("verification_token"),
		/** JSON array of the three SES Easy DKIM tokens. */
		dkimTokens: text("dkim_tokens", { mode: "json" }).$type<string[]>(),
		/** The custom MAIL FROM domain set on the SES identity, `send.<name>` by default. */
		mailFromDomain: text("mail_from_domain"),
		/** Per record (keyed like `dkim:<token>`), what the latest check found. */
		diagnosis: text("diagnosis", { mode: "json" }).$type<DomainDiagnosis>(),
		createdAt: integer("created_at").notNull(),
		lastCheckedAt: integer("last_checked_at"),
		verifiedAt: integer("verified_at"),
		/** When the cron should check again; null when no check is due (failed domains). */
		nextCheckAt: integer("next_check_at"),
		/** Checks since the last change of state, for the cron's backoff. */
		checkAttempts: integer("check_attempts").notNull().default(0),
		/** The last check that found ownership and DKIM verified (`verified_at` is the first). */
		lastVerifiedAt: integer("last_verified_at"),
		/** The last checks of ownership and of DKIM, manual or not: each cools down on its own. */
		ownershipCheckedAt: integer("ownership_checked_at"),
		dkimCheckedAt: integer("dkim_checked_at"),
		/**
		 * When a claim that never verified lapsed (72 hours): its SES identity is deleted and the
		 * name is free for anyone; the row stays, failed, for its account to see or delete.
		 */
		releasedAt: integer("released_at"),
	},
	(t) => [
		uniqueIndex("domains_shared_name")
			.on(t.name)
			.where(sql`${t.releasedAt} IS NULL AND ${t.sendingPath} = 'shared'`),
		uniqueIndex("domains_account_name").on(t.accountId, t.name).where(sql`${t.releasedAt} IS NULL`),
		index("domains_account").on(t.accountId, t.id),
		index("domains_next_check").on(t.nextCheckAt).where(sql`${t.nextCheckAt} IS NOT NULL`),
	],
);

/** The product page's statuses: pending → sent (delivery confirmed) or failed. */
export const EMAIL_STATUSES = ["pending", "sent", "failed"] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/**
 * The end state most emails reach, left out of the list's state index (`emails` below):
 * listing it filters the account's emails instead.
 */
export const COMMON_STATUS = "sent" satisfies EmailStatus;
export const COMMON_LAST_EVENT = "delivered" satisfies EmailEvent;

/**
 * An email's key in the list's state index (`emails.stateKey`): its status and last_event, so
 * one index entry serves both filters, or null for the common end state (sent and delivered),
 * which the index leaves out. `sent` is keyed as `queued`: the send then leaves the entry as it
 * is, and the two are told apart by last_event itself when a filter asks for one of them.
 */
export function emailStateKey(status: EmailStatus, lastEvent: EmailEvent): string | null {
	if (status === COMMON_STATUS && lastEvent === COMMON_LAST_EVENT) return null;
	return `${status}:${lastEvent === "sent" ? "queued" : lastEvent}`;
}

/**
 * The key of an email on its way (pending, queued or sent), which most emails hold for seconds.
 * An email the minute's tally has not passed (its id at or past the tally's cursor) is stored
 * without it, so it is in the state index only if it is still on its way when the tally passes
 * it (src/cron/tally-day-figures.ts keys it then); the list finds the others among the
 * account's emails past the cursor (src/db/queries/email-list.ts). That is a row written less
 * for nearly every email.
 */
export const ON_ITS_WAY_KEY = "pending:queued";

/**
 * The key a lifecycle write gives an email: its state's, except that an email on its way with
 * no key (the tally has not passed it) stays without one while it remains on its way.
 */
export function nextStateKey(
	current: string | null,
	status: EmailStatus,
	lastEvent: EmailEvent,
): string | null {
	const key = emailStateKey(status, lastEvent);
	return key === ON_ITS_WAY_KEY && current === null ? null : key;
}

/** Resend's `last_event`, kept for SDK users. */
export const EMAIL_EVENTS = [
	"scheduled",
	"queued",
	"sent",
	"delivered",
	"delivery_delayed",
	"bounced",
	"complained",
	"failed",
	"canceled",
] as const;
export type EmailEvent = (typeof EMAIL_EVENTS)[number];

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
		// The account's emails by domain, in id order: the `domain_id` filter, and the account's
		// whole list as the merge of its domains' ranges (`listEmails`), so no index of the
		// account's emails in id order alone costs a row per email besides.
		index("emails_account_domain").on(t.accountId, t.domainId),
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
	(t) => [
		primaryKey({ columns: [t.accountId, t.day, t.figure] }),
		// The purge's range of old days; a row is inserted once a day per figure, then only counted.
		index("account_day_counts_day").on(t.day),
	],
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

export const SUPPRESSION_ORIGINS = ["bounce", "complaint", "manual"] as const;
export type SuppressionOrigin = (typeof SUPPRESSION_ORIGINS)[number];

/** Per-account suppression list: a send to any of these addresses answers 422. */
export const suppressions = sqliteTable(
	"suppressions",
	{
		id: text("id").primaryKey(),
		accountId: text("account_id")
			.notNull()
			.references(() => accounts.id, { onDelete: "cascade" }),
		/** The bare address, lower-cased (domain in punycode). */
		email: text("email").notNull(),
		origin: text("origin", { enum: SUPPRESSION_ORIGINS }).notNull(),
		/** The email whose bounce or complaint caused it (Resend's `source_id`). */
		sourceId: text("source_id"),
		/** What SES said (bounce type and diagnostic, complaint feedback type). */
		reason: text("reason"),
		createdAt: integer("created_at").notNull(),
	},
	(t) => [
		uniqueIndex("suppressions_account_email").on(t.accountId, t.email),
		index("suppressions_account").on(t.accountId, t.id),
	],
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

/** What a user is, derived on every request (src/domain/sessions.ts `roleOf`), never stored. */
export const USER_ROLES = ["user", "staff"] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** An explicit staff decision by `npm run staff -- grant|revoke`; none means STAFF_EMAILS decides. */
export const STAFF_GRANTS = ["granted", "revoked"] as const;
export type StaffGrant = (typeof STAFF_GRANTS)[number];

/** Dashboard users. Each owns one account; staff also review other accounts. */
export const users = sqliteTable(
	"users",
	{
		id: text("id").primaryKey(),
		/** Lower-cased. */
		email: text("email").notNull(),
		/** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`: the parameters travel with the hash. */
		passwordHash: text("password_hash").notNull(),
		accountId: text("account_id").notNull(),
		createdAt: integer("created_at").notNull(),
		/** When the owner followed the link mailed to `email`; null until then. */
		emailVerifiedAt: integer("email_verified_at"),
		/** SHA-256 of the one live verification link's token (the token is only in the mail). */
		verificationTokenHash: text("verification_token_hash"),
		verificationExpiresAt: integer("verification_expires_at"),
		staffGrant: text("staff_grant", { enum: STAFF_GRANTS }),
		/** The client (IP, or an IPv6 /64) of the last successful login: the login throttle trusts it. */
		lastLoginIp: text("last_login_ip"),
	},
	(t) => [
		uniqueIndex("users_email").on(t.email),
		uniqueIndex("users_verification_token")
			.on(t.verificationTokenHash)
			.where(sql`${t.verificationTokenHash} IS NOT NULL`),
	],
);

export const sessions = sqliteTable(
	"sessions",
	{
		id: text("id").primaryKey(),
		/** SHA-256 of the cookie's token; the token itself is never stored. */
		tokenHash: text("token_hash").notNull(),
		/** Sent back in `x-csrf-token` on every cookie-authenticated write. */
		csrfToken: text("csrf_token").notNull(),
		userId: text("user_id")
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		createdAt: integer("created_at").notNull(),
		expiresAt: integer("expires_at").notNull(),
	},
	(t) => [
		uniqueIndex("sessions_token_hash").on(t.tokenHash),
		index("sessions_expires").on(t.expiresAt),
	],
);

/**
 * Attempt counters for throttling (src/domain/auth-throttle.ts): logins, sign-ups and
 * verification mails, per key, within a window that starts at `first_at`.
 */
export const loginFailures = sqliteTable("login_failures", {
	key: text("key").primaryKey(),
	count: integer("count").notNull(),
	firstAt: integer("first_at").notNull(),
});

export const REQUEST_STATUSES = ["pending", "approved", "rejected"] as const;

export const verificationRequests = sqliteTable(
	"verification_requests",
	{
		id: text("id").primaryKey(),
		accountId: text("account_id")
			.notNull()
			.references(() => accounts.id, { onDelete: "cascade" }),
		useCase: text("use_case").notNull(),
		companyName: text("company_name").notNull(),
		website: text("website").notNull(),
		expectedMonthlyVolume: integer("expected_monthly_volume").notNull(),
		status: text("status", { enum: REQUEST_STATUSES }).notNull().default("pending"),
		decisionNote: text("decision_note"),
		decidedBy: text("decided_by"),
		decidedAt: integer("decided_at"),
		createdAt: integer("created_at").notNull(),
	},
	(t) => [
		index("verification_requests_account").on(t.accountId, t.id),
		index("verification_requests_status").on(t.status, t.id),
	],
);

/** Stripe event ids already handled: each webhook event takes effect at most once. */
export const stripeEvents = sqliteTable("stripe_events", {
	id: text("id").primaryKey(),
	type: text("type").notNull(),
	receivedAt: integer("received_at").notNull(),
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

/** Suspensions and reinstatements, with who and why: the staff's audit trail. */
export const accountActions = sqliteTable(
	"account_actions",
	{
		id: text("id").primaryKey(),
		accountId: text("account_id").notNull(),
		action: text("action", { enum: ["suspended", "reinstated"] }).notNull(),
		reason: text("reason").notNull(),
		/** The 7-day figures at the time. */
		details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
		/** The staff user, or null for the automatic guard. */
		actorUserId: text("actor_user_id"),
		createdAt: integer("created_at").notNull(),
	},
	(t) => [index("account_actions_account").on(t.accountId, t.id)],
);

/**
 * SendFleet's own mail to account owners (verification outcomes, suspension notices), recorded
 * in the same D1 batch as the decision it announces, then turned into a platform email. The id
 * and the email id are derived from what the notice is about, so recording it twice keeps one,
 * and dispatching it twice stores one email.
 */
export const notices = sqliteTable(
	"notices",
	{
		id: text("id").primaryKey(),
		accountId: text("account_id").notNull(),
		to: text("to_address").notNull(),
		subject: text("subject").notNull(),
		text: text("text_body").notNull(),
		/** The platform email that carries it, once dispatched (the id is fixed in advance). */
		emailId: text("email_id").notNull(),
		createdAt: integer("created_at").notNull(),
		dispatchedAt: integer("dispatched_at"),
		/** Why it was not sent (e.g. platform mail not configured), when it was not. */
		problem: text("problem"),
	},
	(t) => [index("notices_undispatched").on(t.createdAt).where(sql`${t.dispatchedAt} IS NULL`)],
);

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

export const BYOC_METHODS = ["role", "access_key"] as const;
export type ByocMethod = (typeof BYOC_METHODS)[number];

/**
 * An account's own AWS account for BYOC sending (src/domain/byoc.ts): an IAM role SendFleet
 * assumes with the account's external id, or an access key pair. Secrets only sealed
 * (src/lib/secret-box.ts under `BYOC_SECRET_KEY`); nothing about the emails sent through it.
 */
export const byocConnections = sqliteTable("byoc_connections", {
	accountId: text("account_id")
		.primaryKey()
		.references(() => accounts.id, { onDelete: "cascade" }),
	method: text("method", { enum: BYOC_METHODS }).notNull(),
	region: text("region").notNull(),
	roleArn: text("role_arn"),
	/** The access key pair as sealed JSON; null for a role. */
	sealedKeys: text("sealed_keys"),
	/** The access key id's last four characters, to recognise it by. */
	accessKeyHint: text("access_key_hint"),
	/** Why sending through it fails now (credentials refused, role gone…); null while it works. */
	brokenReason: text("broken_reason"),
	brokenAt: integer("broken_at"),
	/** What SES GetAccount answered at the last check. */
	productionAccess: integer("production_access", { mode: "boolean" }).notNull(),
	sendingEnabled: integer("sending_enabled", { mode: "boolean" }).notNull(),
	maxSendRate: real("max_send_rate").notNull(),
	max24HourSend: real("max_24_hour_send").notNull(),
	checkedAt: integer("checked_at").notNull(),
	createdAt: integer("created_at").notNull(),
});
