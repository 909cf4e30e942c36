/**
 * Accepting emails: the rules between a valid request and a queued email, free of HTTP.
 *
 * Order of checks, as the product page states them: the sender's domain must be a verified
 * domain of the account (ownership and DKIM), then the account must be approved and on a paid
 * plan in good standing, then it must not be suspended, then no
 * recipient may be on the account's suppression list. An
 * accepted email is stored in D1 first and then named (by id only) on the send queue; SES is
 * never called on the request path. The request costs one D1 round trip for the domain and
 * suppression lookups, one D1 batch for the inserts and one queue call, however many emails
 * it carries.
 */

import { createDb, type Db } from "../db/client.ts";
import { type DomainRow, findDomainsByNames } from "../db/queries/domains.ts";
import {
	deleteEmails,
	insertEmailsStatements,
	type NewEmail,
	runBatch,
} from "../db/queries/emails.ts";
import { findSuppressedStatement } from "../db/queries/suppressions.ts";
import type {
	AccountGuard,
	Admission,
	RateLimitState,
	Suspension,
} from "../durable-objects/account-guard.ts";
import { guardFor } from "../durable-objects/index.ts";
import type { Bindings, Caller } from "../env.ts";
import { ApiError } from "../lib/errors.ts";
import { uuidv7 } from "../lib/ids.ts";
import { rateLimitedError } from "../lib/rate-limit.ts";
import { parseMailbox } from "./addresses.ts";
import {
	type DeliverabilityWarning,
	deliverabilityWarnings,
	isVerifiedForSending,
} from "./domains.ts";
import { sharedSesRefusal } from "./plans.ts";
import { countsForReputation, describeFigures } from "./reputation.ts";
import { announceSuspension } from "./suspension.ts";

/** What the routes hand over: a request's email after schema validation. */
export interface EmailInput {
	from: string;
	to: string[];
	cc?: string[] | null;
	bcc?: string[] | null;
	reply_to?: string[] | null;
	subject: string;
	html?: string | null;
	text?: string | null;
	headers?: Record<string, string> | null;
	tags?: { name: string; value: string }[] | null;
}

export type Acceptance =
	| { kind: "accepted"; id: string; warnings: DeliverabilityWarning[] }
	| { kind: "rejected"; error: ApiError };

/** The SES tag that carries our email id to SES and back in its notifications. */
export const EMAIL_ID_TAG = "sendfleet_email_id";

export function sendingDeps(
	env: Bindings,
	accountId: string,
	waitUntil: (work: Promise<unknown>) => void,
): SendingDeps {
	const db = createDb(env.DB);
	return {
		db,
		queue: env.SEND_QUEUE,
		guard: guardFor(env, accountId),
		onSuspended: (suspension) => waitUntil(announceSuspension(env, db, accountId, suspension)),
	};
}

export interface SendingDeps {
	db: Db;
	queue: Queue<SendMessage>;
	/** The caller's AccountGuard (src/durable-objects/). */
	guard: Pick<AccountGuard, "admit" | "release">;
	/** Told when the guard suspends the account during this request (to mirror and announce it). */
	onSuspended?: (suspension: Suspension) => void;
}

/** The send queue's message: ids only; the content stays in D1. */
export interface SendMessage {
	emailId: string;
}

/** A domain and its parents, most specific first: SES lets a verified domain's subdomains send. */
function domainAndParents(domain: string): string[] {
	const labels = domain.split(".");
	return labels.slice(0, -1).map((_, i) => labels.slice(i).join("."));
}

function chooseSendingDomain(
	senderDomain: string,
	domains: DomainRow[],
	caller: Caller,
): { kind: "ok"; domain: DomainRow } | { kind: "rejected"; error: ApiError } {
	const byName = new Map(domains.map((d) => [d.name, d]));
	const domain = domainAndParents(senderDomain)
		.map((name) => byName.get(name))
		.find((d) => d !== undefined);
	if (!domain) {
		return {
			kind: "rejected",
			error: new ApiError(
				"domain_not_verified",
				`The ${senderDomain} domain is not a domain of this account. Add it with POST /domains and verify it before sending from it.`,
				403,
			),
		};
	}
	const check = isVerifiedForSending(domain);
	if (!check.ok) {
		return {
			kind: "rejected",
			error: new ApiError(
				"domain_not_verified",
				`The ${domain.name} domain is not verified: ${check.missing.join(" and ")} ${check.missing.length > 1 ? "are" : "is"} not verified yet. Publish its DNS records and run the checks.`,
				403,
			),
		};
	}
	if (caller.restrictedToDomainId && caller.restrictedToDomainId !== domain.id) {
		return {
			kind: "rejected",
			error: new ApiError(
				"invalid_api_key",
				`This API key may only send from its own domain, not from ${senderDomain}.`,
				403,
			),
		};
	}
	return { kind: "ok", domain };
}

/**
 * Checks every email and stores and queues the accepted ones. In `all-or-nothing` mode a
 * single rejection stores nothing (Resend's strict batch validation); otherwise the accepted
 * ones go ahead and each rejection is reported in place.
 */
export async function acceptEmails(
	deps: SendingDeps,
	caller: Caller,
	inputs: EmailInput[],
	mode: "all-or-nothing" | "each-on-its-own",
): Promise<{ results: Acceptance[]; rate: RateLimitState | null }> {
	const senders = inputs.map((input) => parseMailbox(input.from));
	const recipients = inputs.map(recipientAddresses);
	const candidates = [...new Set(senders.flatMap((s) => (s ? domainAndParents(s.domain) : [])))];
	const everyone = [...new Set(recipients.flat())];
	// One round trip for both lookups, however many emails the request carries.
	const [domains, suppressedRows] = await deps.db.batch([
		findDomainsByNames(deps.db, caller.accountId, candidates),
		findSuppressedStatement(deps.db, caller.accountId, everyone),
	]);
	const suppressed = new Set(suppressedRows.map((r) => r.email));

	// Account-wide refusals, after each email's own checks (the product page's order).
	const accountRefusal =
		sharedSesRefusal(caller.account) ??
		(caller.account.suspendedAt === null ? null : suspendedError(caller));
	const now = Date.now();
	const rows: NewEmail[] = [];
	/** Every accepted recipient: what the guard meters. */
	const addresses: string[] = [];
	const results: Acceptance[] = inputs.map((input, i) => {
		const sender = senders[i];
		if (!sender) {
			return {
				kind: "rejected",
				error: new ApiError("validation_error", "`from` is not a valid email address.", 422),
			};
		}
		const chosen = chooseSendingDomain(sender.domain, domains, caller);
		if (chosen.kind === "rejected") return chosen;
		if (accountRefusal) return { kind: "rejected", error: accountRefusal };
		const to = recipients[i] ?? [];
		const blocked = to.filter((address) => suppressed.has(address));
		if (blocked.length) return { kind: "rejected", error: suppressedError(blocked) };
		addresses.push(...to);

		const id = uuidv7(now);
		rows.push({
			id,
			accountId: caller.accountId,
			domainId: chosen.domain.id,
			from: input.from,
			to: input.to,
			cc: input.cc?.length ? input.cc : null,
			bcc: input.bcc?.length ? input.bcc : null,
			replyTo: input.reply_to?.length ? input.reply_to : null,
			subject: input.subject,
			html: input.html ?? null,
			text: input.text ?? null,
			headers: input.headers && Object.keys(input.headers).length ? input.headers : null,
			tags: input.tags?.length ? input.tags : null,
			createdAt: now,
		});
		return { kind: "accepted", id, warnings: deliverabilityWarnings(chosen.domain) };
	});

	if (
		rows.length === 0 ||
		(mode === "all-or-nothing" && results.some((r) => r.kind === "rejected"))
	) {
		return { results, rate: null };
	}

	// The request's one call to the account's guard: suspension, request rate and monthly quota
	// for all its emails at once; admitted recipients are counted there and then.
	const usage = {
		recipients: addresses.length,
		reputationRecipients: addresses.filter(countsForReputation).length,
	};
	let admission: Admission;
	try {
		admission = await deps.guard.admit({ plan: caller.account.plan, ...usage, now });
	} catch (cause) {
		console.error("account guard unavailable", cause);
		throw new ApiError(
			"service_unavailable",
			"Sending is briefly unavailable; nothing was accepted. Retry the request.",
			503,
		);
	}
	if (admission.kind === "suspended" && admission.newly) deps.onSuspended?.(admission.suspension);
	if (admission.kind !== "admitted") throw refusalError(admission);

	try {
		await storeAndQueue(deps, rows);
	} catch (error) {
		await deps.guard
			.release({ ...usage, at: now })
			.catch((cause) => console.error("could not release", cause));
		throw error;
	}
	return { results, rate: admission.rate };
}

function refusalError(admission: Exclude<Admission, { kind: "admitted" }>): ApiError {
	switch (admission.kind) {
		case "suspended":
			return new ApiError(
				"account_suspended",
				`This account's sending is suspended: ${admission.suspension.reason} Contact support to have it reviewed.`,
				403,
				{ figures: describeFigures(admission.suspension.figures) },
			);
		case "rate_limited":
			return rateLimitedError(admission.rate, admission.retryAfterSeconds);
		case "quota_exceeded":
			return new ApiError(
				"monthly_quota_exceeded",
				`This request has ${admission.requested} recipients but only ${Math.max(0, admission.quota - admission.used)} of the plan's ${admission.quota} remain this month (the quota resets ${new Date(admission.resetsAt).toISOString()}). Upgrade the plan or wait.`,
				429,
			);
	}
}

/** The bare, lower-cased addresses of every recipient: the suppression list's keys. */
export function recipientAddresses(email: {
	to: string[];
	cc?: string[] | null;
	bcc?: string[] | null;
}): string[] {
	return [...email.to, ...(email.cc ?? []), ...(email.bcc ?? [])].flatMap((value) => {
		const mailbox = parseMailbox(value);
		return mailbox ? [mailbox.address.toLowerCase()] : [];
	});
}

function suspendedError(caller: Caller): ApiError {
	const { suspensionReason: reason, suspensionDetails: figures } = caller.account;
	return new ApiError(
		"account_suspended",
		`This account's sending is suspended${reason ? `: ${reason}` : ""} Contact support to have it reviewed.`,
		403,
		figures ? { figures } : undefined,
	);
}

function suppressedError(addresses: string[]): ApiError {
	return new ApiError(
		"recipient_suppressed",
		`These recipients are on your suppression list after a hard bounce or complaint: ${addresses.join(", ")}. Remove an address with DELETE /suppressions/{email} only if you are sure it can receive mail again.`,
		422,
		{ recipients: addresses },
	);
}

async function storeAndQueue(deps: SendingDeps, rows: NewEmail[]) {
	if (rows.length === 0) return;
	await runBatch(deps.db, insertEmailsStatements(deps.db, rows));
	try {
		await deps.queue.sendBatch(rows.map((row) => ({ body: { emailId: row.id } })));
	} catch (cause) {
		// Not queued means not accepted: take the rows back so the client's retry is the only copy.
		console.error("send queue unavailable", cause);
		await deleteEmails(
			deps.db,
			rows.map((r) => r.id),
		);
		throw new ApiError(
			"service_unavailable",
			"Sending is briefly unavailable; nothing was accepted. Retry the request.",
			503,
		);
	}
}
