/**
 * Accepting emails: the rules between a valid request and a queued email, free of HTTP.
 *
 * Order of checks, as the product page states them: the sender's domain must be a verified
 * domain of the account (ownership and DKIM), then the account must be approved and on a paid
 * plan in good standing, then it must not be suspended, then no recipient may be on the
 * account's suppression list. Recipients are counted once each (to, cc and bcc together).
 * Attachments given by `path` are fetched then, before the guard counts anything
 * (src/domain/email-input.ts). An accepted email's files go to R2, it is named (by id only) on
 * the send queue unless it is scheduled for later, and it is stored in D1
 * (src/domain/email-storage.ts); SES is never called on the request path. The request costs one D1 round trip for its lookups (src/domain/sender.ts),
 * one D1 batch for the inserts and one queue call, however many emails it carries.
 *
 * A domain on the BYOC path (src/domain/byoc-sending.ts) skips what belongs to Shared SES
 * (approval, plan, suspension, our suppression list, the monthly quota) and is sent through the
 * customer's own SES on the request path, after the shared emails of the same request are
 * stored; the request rate still applies.
 */

import type { Db } from "../db/client.ts";
import type { DomainRow } from "../db/queries/domains.ts";
import { parseMailbox, recipientAddresses } from "../lib/addresses.ts";
import type { KeepAlive } from "../lib/group-commit.ts";
import { uuidv7 } from "../lib/ids.ts";
import { admissionRefusal, settleAdmission } from "./admission.ts";
import type { FetchPath } from "./attachments.ts";
import type { ByocEmail, ByocResult } from "./byoc-sending.ts";
import { type DeliverabilityWarning, deliverabilityWarnings } from "./domains.ts";
import { type EmailInput, emailFields, resolveFiles } from "./email-input.ts";
import { type EmailToStore, type FileStore, storeEmails } from "./email-storage.ts";
import type { Admission, GuardPort, RateLimitState, Suspension } from "./guard.ts";
import { sharedSesRefusal } from "./plans.ts";
import { type Refusal, type Rejected, rejected } from "./refusals.ts";
import type { SendMessage } from "./send-message.ts";
import { lookUpSending, type Sender, type WarmSender } from "./sender.ts";
import { chooseSendingDomain, domainAndParents } from "./sending-domain.ts";
import { scheduledEvent, suppressedRefusalEvent } from "./sending-events.ts";
import type { OutwardEvent } from "./webhooks.ts";

export type Acceptance =
	| { kind: "accepted"; id: string; warnings: DeliverabilityWarning[] }
	| Rejected;

export interface SendingDeps {
	db: Db;
	/** The express lane's send queue (src/domain/lanes.ts). */
	queue: Queue<SendMessage>;
	/** The bulk lane's, for an account the guard answers bulk; without it all go to `queue`. */
	bulkQueue?: Queue<SendMessage>;
	/** The sender's account guard (src/durable-objects/). */
	guard: GuardPort;
	/** Told of a suspension not yet recorded in D1 (to mirror and announce it). */
	onSuspended?: (suspension: Suspension) => Promise<void>;
	/** Writes webhook events without holding up the answer (`email.suppressed` on a refusal). */
	emit?: (events: OutwardEvent[]) => void;
	/** The ATTACHMENTS bucket, where attachments' bytes are stored. */
	files?: FileStore;
	/** Fetches an attachment's `path` (src/services/attachment-fetch.ts). */
	fetchPath?: FetchPath;
	/** The request's `ctx.waitUntil`, so its emails may share queue messages (StoreDeps). */
	keepAlive?: KeepAlive;
	/** Sends through the account's own SES (BYOC domains); results in order. */
	byoc?: (emails: ByocEmail[]) => Promise<ByocResult[]>;
	now?: () => number;
}

/**
 * The request as a whole: refused before any email was looked at one by one, or answered.
 * `committed`: some email was stored or sent, so the answer must report each one in place.
 */
export type SendOutcome =
	| { kind: "answered"; results: Acceptance[]; rate: RateLimitState | null; committed: boolean }
	| Rejected;

/** An email that passed its own checks, on its way to storage (Shared SES) or the customer's SES. */
interface Candidate {
	index: number;
	input: EmailInput;
	domain: DomainRow;
	warnings: DeliverabilityWarning[];
	recipients: string[];
}

/**
 * Checks every email and stores and queues the accepted ones. In `all-or-nothing` mode a
 * single rejection stores nothing (Resend's strict batch validation); otherwise the accepted
 * ones go ahead and each rejection is reported in place. Attachments given by `path` are
 * fetched after the cheap checks passed and before anything is stored.
 *
 * Two round trips on the request path for a warm key: the credential, the domains and the
 * suppressions in one D1 batch, with the guard at once (src/domain/admission.ts says why the
 * guard can be asked before the checks), then the queue and the rows at once
 * (src/domain/email-storage.ts).
 */
export async function acceptEmails(
	deps: SendingDeps,
	source: Sender | WarmSender,
	inputs: EmailInput[],
	mode: "all-or-nothing" | "each-on-its-own",
): Promise<SendOutcome> {
	const cached = "cached" in source ? source.cached : source;
	const senders = inputs.map((input) => parseMailbox(input.from));
	const recipients = inputs.map(recipientAddresses);
	const candidates = [...new Set(senders.flatMap((s) => (s ? domainAndParents(s.domain) : [])))];
	const everyone = [...new Set(recipients.flat())];
	const now = deps.now?.() ?? Date.now();
	const asked = { plan: cached.account.plan, recipients: recipients.flat().length };
	const [lookups, early] = await Promise.allSettled([
		lookUpSending(deps.db, source, candidates, everyone),
		deps.guard.admit({ ...asked, now }),
	]);
	const counted = early.status === "fulfilled" && early.value.kind === "admitted";
	const giveBack = (recipients: number) =>
		recipients > 0
			? deps.guard
					.release({ recipients, at: now })
					.catch((cause) => console.error("could not give back quota", cause))
			: Promise.resolve();
	if (lookups.status === "rejected" || !lookups.value.sender) {
		await giveBack(counted ? asked.recipients : 0);
		if (lookups.status === "fulfilled") return rejected({ code: "invalid_api_key" });
		console.error("D1 unavailable for the send's lookups", lookups.reason);
		return rejected({ code: "unavailable", what: "storage" });
	}
	const { sender, domains } = lookups.value;
	const suppressed = new Set(lookups.value.suppressed.map((r) => r.email));

	// Account-wide refusals, after each email's own checks (the product page's order).
	const accountRefusal = sharedSesRefusal(sender.account) ?? suspensionOf(sender);
	const refusedForSuppression: OutwardEvent[] = [];
	const passed: Candidate[] = [];
	const results: Acceptance[] = inputs.map((input, index) => {
		const from = senders[index];
		if (!from) return rejected({ code: "invalid_from" });
		const chosen = chooseSendingDomain(from.domain, domains, sender.restrictedToDomainId);
		if (chosen.kind === "rejected") return chosen;
		const { domain } = chosen;
		const warnings = deliverabilityWarnings(domain);
		const to = recipients[index] ?? [];
		if (domain.sendingPath === "byoc") {
			if (input.scheduledAt) return rejected({ code: "cannot_schedule_byoc", domain: domain.name });
			passed.push({ index, input, domain, warnings, recipients: to });
			return { kind: "accepted", id: "", warnings };
		}
		if (accountRefusal) return rejected(accountRefusal);
		const blocked = to.filter((address) => suppressed.has(address));
		if (blocked.length) {
			if (sender.account.hasWebhooks) {
				refusedForSuppression.push(suppressedRefusalEvent(sender.accountId, input, blocked, now));
			}
			return rejected({ code: "recipient_suppressed", recipients: blocked });
		}
		passed.push({ index, input, domain, warnings, recipients: to });
		return { kind: "accepted", id: "", warnings };
	});
	if (refusedForSuppression.length) deps.emit?.(refusedForSuppression);
	if (mode === "all-or-nothing" && results.some((r) => r.kind === "rejected")) {
		await giveBack(counted ? asked.recipients : 0);
		return { kind: "answered", results, rate: null, committed: false };
	}

	const files = await resolveFiles(deps, passed, results);
	const ready = passed.filter((c) => results[c.index]?.kind === "accepted");
	const byoc = ready.filter((c) => c.domain.sendingPath === "byoc");
	const shared = ready
		.filter((c) => c.domain.sendingPath !== "byoc")
		.map((c): EmailToStore & { candidate: Candidate } => ({
			candidate: c,
			row: {
				id: c.input.id ?? uuidv7(now),
				accountId: sender.accountId,
				domainId: c.domain.id,
				...emailFields(c.input),
				webhooks: sender.account.hasWebhooks,
				createdAt: now,
				...(c.input.scheduledAt
					? { scheduledAt: c.input.scheduledAt, lastEvent: "scheduled" }
					: {}),
				attachmentCount: files.get(c.index)?.length ?? 0,
			},
			files: files.get(c.index) ?? [],
		}));
	if (
		ready.length === 0 ||
		(mode === "all-or-nothing" && results.some((r) => r.kind === "rejected"))
	) {
		await giveBack(counted ? asked.recipients : 0);
		return { kind: "answered", results, rate: null, committed: false };
	}

	// The request's one admission by the account's guard: suspension, request rate and monthly
	// quota for all its shared emails at once; a request with BYOC emails only needs the rate.
	if (early.status === "rejected") {
		console.error("account guard unavailable", early.reason);
		return rejected({ code: "unavailable", what: "account_guard" });
	}
	const need = {
		plan: sender.account.plan,
		recipients: shared.reduce((n, e) => n + e.candidate.recipients.length, 0),
	};
	let settled: { admission: Admission; surplus: number };
	try {
		settled = await settleAdmission(deps.guard, { ...asked, answer: early.value }, need, now);
	} catch (cause) {
		console.error("account guard unavailable", cause);
		return rejected({ code: "unavailable", what: "account_guard" });
	}
	const { admission, surplus } = settled;
	if (admission.kind === "suspended" && admission.unrecorded) {
		// Once per suspension, so it may cost this request a D1 batch; if it fails, the guard
		// keeps asking and the next request records it.
		await deps
			.onSuspended?.(admission.suspension)
			.catch((cause: unknown) => console.error("suspension not recorded yet", cause));
	}
	if (admission.kind !== "admitted") return rejected(admissionRefusal(admission));

	const [stored] = await Promise.all([
		shared.length === 0 ||
			storeEmails(
				{ ...deps, queue: (admission.lane === "bulk" && deps.bulkQueue) || deps.queue },
				shared,
				now,
			),
		giveBack(surplus),
	]);
	if (!stored) {
		await giveBack(need.recipients);
		return rejected({ code: "unavailable", what: "storage" });
	}
	for (const { candidate, row } of shared) {
		results[candidate.index] = { kind: "accepted", id: row.id, warnings: candidate.warnings };
	}
	const scheduled = shared.filter((e) => e.row.scheduledAt && e.row.webhooks);
	if (scheduled.length) deps.emit?.(scheduled.map((e) => scheduledEvent(e.row, now)));
	if (byoc.length > 0) {
		const emails = byoc.map(({ index, input, domain }) => ({
			domain: domain.name,
			region: domain.region,
			fields: emailFields(input),
			files: files.get(index) ?? [],
		}));
		const sent: ByocResult[] = deps.byoc
			? await deps.byoc(emails)
			: byoc.map(() => ({ kind: "failed", reason: { code: "byoc_not_connected" } }));
		byoc.forEach(({ index, warnings }, i) => {
			const result = sent[i];
			results[index] =
				result?.kind === "sent"
					? { kind: "accepted", id: result.messageId, warnings }
					: rejected(result?.reason ?? { code: "byoc_not_connected" });
		});
	}
	const committed = shared.length > 0 || results.some((r) => r.kind === "accepted");
	return { kind: "answered", results, rate: admission.rate, committed };
}

function suspensionOf(sender: Sender): Refusal | null {
	const { suspendedAt, suspensionReason: reason, suspensionDetails: figures } = sender.account;
	return suspendedAt === null ? null : { code: "account_suspended", reason, figures };
}
