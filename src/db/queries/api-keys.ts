import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type ApiKeyPermission, accounts, apiKeys, webhookEndpoints } from "../schema.ts";
import { keysetPage, type PageRequest } from "./pagination.ts";

/** The account fields a request needs (see `CallerAccount`), selected with the credential. */
export const callerAccountColumns = {
	plan: accounts.plan,
	verificationStatus: accounts.verificationStatus,
	subscriptionStatus: accounts.subscriptionStatus,
	suspendedAt: accounts.suspendedAt,
	suspensionReason: accounts.suspensionReason,
	suspensionDetails: accounts.suspensionDetails,
	// One probe of the endpoints' account index in the same statement; new emails carry it.
	hasWebhooks:
		sql<boolean>`EXISTS (SELECT 1 FROM ${webhookEndpoints} WHERE ${webhookEndpoints.accountId} = ${accounts.id})`.mapWith(
			Boolean,
		),
};

/** The key with its account's standing; a statement, so the send path can batch it (see auth.ts). */
export function findApiKeyByHashStatement(db: Db, tokenHash: string) {
	return db
		.select({
			id: apiKeys.id,
			accountId: apiKeys.accountId,
			permission: apiKeys.permission,
			domainId: apiKeys.domainId,
			lastUsedAt: apiKeys.lastUsedAt,
			account: callerAccountColumns,
		})
		.from(apiKeys)
		.innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
		.where(eq(apiKeys.tokenHash, tokenHash))
		.limit(1);
}

export type ApiKeyLookupRow = Awaited<ReturnType<typeof findApiKeyByHashStatement>>[number];

export async function findApiKeyByHash(db: Db, tokenHash: string) {
	const [row] = await findApiKeyByHashStatement(db, tokenHash);
	return row;
}

export async function touchApiKey(db: Db, id: string, now: number) {
	await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id));
}

export async function insertApiKey(
	db: Db,
	key: {
		id: string;
		accountId: string;
		name: string;
		tokenHash: string;
		permission: ApiKeyPermission;
		domainId: string | null;
		createdAt: number;
	},
) {
	await db.insert(apiKeys).values(key);
}

export function listApiKeys(db: Db, accountId: string, page: PageRequest) {
	return keysetPage(page, (where, order) =>
		db
			.select({
				id: apiKeys.id,
				name: apiKeys.name,
				permission: apiKeys.permission,
				domainId: apiKeys.domainId,
				createdAt: apiKeys.createdAt,
				lastUsedAt: apiKeys.lastUsedAt,
			})
			.from(apiKeys)
			.where(and(eq(apiKeys.accountId, accountId), where(apiKeys.id)))
			.orderBy(order(apiKeys.id))
			.limit(page.limit + 1),
	);
}

/** Deletes one of the account's keys; false when there is no such key in this account. */
export async function deleteApiKey(db: Db, accountId: string, id: string): Promise<boolean> {
	const deleted = await db
		.delete(apiKeys)
		.where(and(eq(apiKeys.accountId, accountId), eq(apiKeys.id, id)))
		.returning({ id: apiKeys.id });
	return deleted.length > 0;
}
