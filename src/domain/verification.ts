/**
 * Staff decisions on verification requests: the decision, the account's new verification
 * status and the owner's notice are written in one D1 batch, so an approval is never saved
 * without its email and a failing mail path never fails the decision.
 */
import type { Db } from "../db/client.ts";
import {
	decideVerificationRequest,
	findOwnerEmail,
	type VerificationRequestRow,
} from "../db/queries/accounts.ts";
import { insertNoticeStatement, type NoticeRow } from "../db/queries/notices.ts";
import { buildNotice } from "./notices.ts";

export interface Decision {
	status: "approved" | "rejected";
	note: string | null;
	decidedBy: string;
	decidedAt: number;
}

const OUTCOME = {
	approved: {
		subject: "Your SendFleet account is approved",
		text: (note: string | null) =>
			`Good news: your SendFleet account is approved for Shared SES.\n\nYou can now subscribe to Growth or Pro from Dashboard → Billing, add your domain and start sending.${note ? `\n\nNote from our team: ${note}` : ""}\n`,
	},
	rejected: {
		subject: "Your SendFleet verification request",
		text: (note: string | null) =>
			`We could not approve your SendFleet account for Shared SES this time.\n\nReason: ${note ?? "not given"}\n\nYou can submit a new verification request from the dashboard once this is addressed.\n`,
	},
};

export type DecisionOutcome =
	| { kind: "decided"; notice: NoticeRow | null }
	| { kind: "already_decided"; status: string };

export async function decideVerification(
	db: Db,
	request: VerificationRequestRow,
	decision: Decision,
): Promise<DecisionOutcome> {
	// Checked first as well: the notice is keyed by the request, and a request decided before
	// notices were recorded must not get a second, contradicting one.
	if (request.status !== "pending") return { kind: "already_decided", status: request.status };
	const owner = await findOwnerEmail(db, request.accountId);
	const outcome = OUTCOME[decision.status];
	const notice = owner
		? await buildNotice(
				{ key: `verification:${request.id}`, keyTime: request.createdAt },
				{
					accountId: request.accountId,
					to: owner,
					subject: outcome.subject,
					text: outcome.text(decision.note),
				},
				decision.decidedAt,
			)
		: null;
	const decided = await decideVerificationRequest(
		db,
		request,
		decision,
		notice ? [insertNoticeStatement(db, notice)] : [],
	);
	return decided ? { kind: "decided", notice } : { kind: "already_decided", status: "decided" };
}
