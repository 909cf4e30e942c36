/**
 * Sending through a BYOC connection, on the request path: each email goes to the customer's own
 * SES (in its domain's region) and the answer is SES's message id. Nothing of the email is kept
 * anywhere: no D1 row, no queue message, no Durable Object state, no webhook, and no log line
 * with an address, a subject or content (failures are logged by SES error code only).
 *
 * The only writes are to the connection itself: broken when AWS refuses the credentials, and
 * working again when a later send goes through. Expired role credentials are renewed once and
 * the email tried again; anything else is answered as it is, per email.
 */
import { findByocConnection, markByocBroken, markByocWorking } from "../db/queries/byoc.ts";
import type { SesClient, SesOutcome } from "../services/ses.ts";
import type { SesEmailFields, SesFile } from "../services/ses-request.ts";
import { toSesRequest } from "../services/ses-request.ts";
import { accessOf, type ByocDeps } from "./byoc.ts";
import { byocProblem, isExpiredToken } from "./byoc-problems.ts";
import type { Refusal } from "./refusals.ts";

/** A batch's emails go to SES this many at a time. */
export const BYOC_CONCURRENCY = 10;

export interface ByocEmail {
	/** The sending domain: its region is where its identity is, in the customer's SES. */
	domain: string;
	region: string;
	fields: SesEmailFields;
	files?: SesFile[];
}

export type ByocResult = { kind: "sent"; messageId: string } | { kind: "failed"; reason: Refusal };

export async function sendThroughByoc(
	deps: ByocDeps,
	accountId: string,
	emails: ByocEmail[],
): Promise<ByocResult[]> {
	const all = (reason: Refusal): ByocResult[] => emails.map(() => ({ kind: "failed", reason }));
	const row = await findByocConnection(deps.db, accountId);
	if (!row) {
		return emails.map((email) => ({
			kind: "failed",
			reason: { code: "byoc_not_connected", domain: email.domain },
		}));
	}
	const opened = await accessOf(deps, row);
	if (opened.kind !== "ok") return all(opened.reason);
	const { access } = opened;
	const context = (region: string) => ({ region, sandbox: !row.productionAccess });

	const clients = new Map<string, Promise<SesOutcome<SesClient>>>();
	const clientFor = (region: string, fresh = false) => {
		if (fresh || !clients.has(region)) {
			clients.set(region, deps.ses.clientFor(access, region, { fresh }));
		}
		return clients.get(region) as Promise<SesOutcome<SesClient>>;
	};

	async function sendOne(email: ByocEmail): Promise<ByocResult> {
		const request = toSesRequest(email.fields, {}, email.files);
		for (let attempt = 0; ; attempt++) {
			const client = await clientFor(email.region, attempt > 0);
			const outcome = client.kind === "ok" ? await client.value.sendEmail(request) : client;
			if (outcome.kind === "ok") return { kind: "sent", messageId: outcome.value.MessageId };
			// Temporary credentials can expire between our check and SES's: renew them once.
			if (attempt === 0 && access.method === "role" && isExpiredToken(outcome)) continue;
			return { kind: "failed", reason: byocProblem(outcome, context(email.region)) };
		}
	}

	const results: ByocResult[] = new Array(emails.length);
	let next = 0;
	const worker = async () => {
		while (next < emails.length) {
			const index = next++;
			results[index] = await sendOne(emails[index] as ByocEmail);
		}
	};
	await Promise.all(Array.from({ length: Math.min(BYOC_CONCURRENCY, emails.length) }, worker));

	const broken = results.find(
		(r): r is { kind: "failed"; reason: Extract<Refusal, { code: "byoc_connection_broken" }> } =>
			r.kind === "failed" && r.reason.code === "byoc_connection_broken",
	);
	const now = deps.now?.() ?? Date.now();
	if (broken) {
		await markByocBroken(deps.db, accountId, broken.reason.reason, now);
	} else if (row.brokenAt !== null && results.some((r) => r.kind === "sent")) {
		await markByocWorking(deps.db, accountId);
	}
	// One line per request, by refusal code only: never an address, a subject or content.
	const refused = results.flatMap((r) => (r.kind === "failed" ? [r.reason.code] : []));
	if (refused.length) {
		console.warn(
			`byoc ${accountId}: ${refused.length} of ${results.length} refused: ${[...new Set(refused)].join(", ")}`,
		);
	}
	return results;
}
