/**
 * SendFleet's own mail to customers (verification outcomes, suspension notices) goes through
 * the same path as customers' mail: accepted as the platform account (PLATFORM_ACCOUNT_ID, an
 * approved account with a verified domain) from PLATFORM_FROM, queued, sent by the consumer.
 * Locally it lands in the simulator's inbox. Unconfigured, the mail is logged and skipped.
 */
import type { Db } from "../db/client.ts";
import { findAccount } from "../db/queries/accounts.ts";
import { guardFor } from "../durable-objects/index.ts";
import type { Bindings } from "../env.ts";
import { acceptEmails } from "./sending.ts";

export interface PlatformMessage {
	to: string;
	subject: string;
	text: string;
}

export async function sendPlatformEmail(
	env: Bindings,
	db: Db,
	message: PlatformMessage,
): Promise<{ sent: true; emailId: string } | { sent: false; reason: string }> {
	if (!env.PLATFORM_ACCOUNT_ID || !env.PLATFORM_FROM) {
		console.warn("platform email not configured; not sent:", message.subject, "to", message.to);
		return { sent: false, reason: "PLATFORM_ACCOUNT_ID and PLATFORM_FROM are not set" };
	}
	const account = await findAccount(db, env.PLATFORM_ACCOUNT_ID);
	if (!account) return { sent: false, reason: "the platform account does not exist" };
	const {
		results: [result],
	} = await acceptEmails(
		{ db, queue: env.SEND_QUEUE, guard: guardFor(env, account.id) },
		{
			accountId: account.id,
			apiKeyId: null,
			userId: null,
			isStaff: false,
			permission: "full_access",
			restrictedToDomainId: null,
			account,
		},
		[{ from: env.PLATFORM_FROM, to: [message.to], subject: message.subject, text: message.text }],
		"all-or-nothing",
	);
	if (result?.kind === "accepted") return { sent: true, emailId: result.id };
	const reason = result?.error.message ?? "not accepted";
	console.error("platform email refused:", reason);
	return { sent: false, reason };
}
