/**
 * Accounts and what belongs to them: plans and review, API keys, staff actions, the
 * notices SendFleet sends them, Stripe's handled events and BYOC connections.
 */
import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
