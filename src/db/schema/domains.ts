/**
 * Sending domains with their DNS records' diagnosis, and each account's suppression list.
 */
import { sql } from "drizzle-orm";
import {
	index,
	integer,
	primaryKey,
	sqliteTable,
	text,
	uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { accounts } from "./accounts.ts";

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

export const SUPPRESSION_ORIGINS = ["bounce", "complaint", "manual"] as const;
export type SuppressionOrigin = (typeof SUPPRESSION_ORIGINS)[number];

/**
 * Per-account suppression list: a send to any of these addresses answers 422. Every hard bounce
 * and complaint adds a row, so a row is two b-tree entries: its key, (account, id), which is
 * also how the list pages, and the index by address that sends check. The table has no rowid
 * (the migration says WITHOUT ROWID, which drizzle cannot); with one, and a key and an index by
 * account besides, an address cost four rows written. Every read is within an account.
 */
export const suppressions = sqliteTable(
	"suppressions",
	{
		id: text("id").notNull(),
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
		primaryKey({ columns: [t.accountId, t.id] }),
		uniqueIndex("suppressions_account_email").on(t.accountId, t.email),
	],
);
