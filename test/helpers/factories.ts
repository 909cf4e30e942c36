/**
 * Test data, built through the same query functions the app uses. Each test makes its own
 * account so tests never depend on each other's rows.
 */

import { env } from "cloudflare:workers";
import { createDb } from "../../src/db/client.ts";
import { insertApiKey } from "../../src/db/queries/api-keys.ts";
import { insertEmailsStatements, type NewEmail, runBatch } from "../../src/db/queries/emails.ts";
import { newSendGroup } from "../../src/db/queries/send-marks.ts";
import { type ApiKeyPermission, accounts, domains, type Plan } from "../../src/db/schema.ts";
import type { Caller } from "../../src/env.ts";
import { idFloor, randomToken, sha256Hex, uuidv7 } from "../../src/lib/ids.ts";
import { API_KEY_PREFIX } from "../../src/middleware/auth.ts";

export const db = () => createDb(env.DB);

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export async function createAccount(overrides: Partial<typeof accounts.$inferInsert> = {}) {
	const account = {
		id: uuidv7(),
		name: `Test account ${unique()}`,
		plan: "pro" as Plan,
		verificationStatus: "approved" as const,
		subscriptionStatus: "active" as const,
		createdAt: Date.now(),
		...overrides,
	};
	await db().insert(accounts).values(account);
	return account;
}

export async function createDomain(
	accountId: string,
	overrides: Partial<typeof domains.$inferInsert> = {},
) {
	const domain = {
		id: uuidv7(),
		accountId,
		name: `t${unique()}.example.com`,
		region: "us-east-1",
		ownershipStatus: "verified" as const,
		dkimStatus: "verified" as const,
		spfStatus: "verified" as const,
		mailFromStatus: "verified" as const,
		dmarcStatus: "verified" as const,
		createdAt: Date.now(),
		...overrides,
	};
	await db().insert(domains).values(domain);
	return domain;
}

export async function createApiKey(
	accountId: string,
	options: { permission?: ApiKeyPermission; domainId?: string } = {},
) {
	const token = randomToken(API_KEY_PREFIX);
	const id = uuidv7();
	await insertApiKey(db(), {
		id,
		accountId,
		name: "test key",
		tokenHash: await sha256Hex(token),
		permission: options.permission ?? "full_access",
		domainId: options.domainId ?? null,
		createdAt: Date.now(),
	});
	return { id, token };
}

/**
 * A fresh UUIDv7 created at `time`, as the app makes them: `uuidv7(time)` itself never goes back
 * in time (its ids of one isolate only increase), so a test that needs an older or a future id
 * takes the time from `idFloor` and the rest from a fresh id.
 */
export function uuidv7At(time: number): string {
	return `${idFloor(time).slice(0, 14)}${uuidv7().slice(14)}`;
}

/**
 * An accepted email stored as the send route stores it, but not put on the queue, so a test
 * can hand it to the consumer itself without the local queue delivering it too.
 */
export async function createQueuedEmail(
	sender: { account: { id: string }; domain: { id: string; name: string } },
	overrides: Partial<NewEmail> = {},
) {
	const row: NewEmail = {
		id: uuidv7(),
		accountId: sender.account.id,
		domainId: sender.domain.id,
		from: `Acme <hello@${sender.domain.name}>`,
		to: [`r${unique()}@example.org`],
		subject: "Your receipt",
		html: "<p>Thanks!</p>",
		text: "Thanks!",
		createdAt: Date.now(),
		...overrides,
	};
	await runBatch(db(), insertEmailsStatements(db(), [row]));
	return row as NewEmail & { to: string[] };
}

/**
 * `count` emails queued in one send group, as POST /emails stores the singles of one queue
 * message; `overrides` is asked anew for each email.
 */
export async function createQueuedGroup(
	sender: Parameters<typeof createQueuedEmail>[0],
	count: number,
	overrides: () => Partial<NewEmail> = () => ({}),
) {
	const sendGroup = newSendGroup(Date.now());
	const ids: string[] = [];
	for (let i = 0; i < count; i++) {
		ids.push((await createQueuedEmail(sender, { sendGroup, ...overrides() })).id as string);
	}
	return { sendGroup, ids };
}

/** An account with a verified domain and a full-access key: the usual starting point. */
export async function createSender(plan: Plan = "pro") {
	const account = await createAccount({ plan });
	const domain = await createDomain(account.id);
	const key = await createApiKey(account.id);
	return { account, domain, key, from: `Acme <hello@${domain.name}>` };
}

/** SendFleet's own account (PLATFORM_ACCOUNT_ID in the test config), which sends its notices. */
export async function createPlatformAccount() {
	const platform = await createAccount({ id: env.PLATFORM_ACCOUNT_ID, name: "SendFleet" });
	await createDomain(platform.id, { name: "platform.sendfleet.test" });
	return platform;
}

/** A sender (approved, Pro, verified domain) and the caller the API would make of its key. */
export async function createCaller() {
	const sender = await createSender();
	const caller: Caller = {
		accountId: sender.account.id,
		apiKeyId: sender.key.id,
		userId: null,
		isStaff: false,
		permission: "full_access",
		restrictedToDomainId: null,
		account: {
			plan: "pro",
			verificationStatus: "approved",
			subscriptionStatus: "active",
			suspendedAt: null,
			suspensionReason: null,
			suspensionDetails: null,
			hasWebhooks: false,
		},
	};
	return { sender, caller };
}
