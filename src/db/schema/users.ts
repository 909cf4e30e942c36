/**
 * Dashboard users, their sessions and the login throttle's failures.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
