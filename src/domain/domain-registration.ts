/**
 * Adding a domain: register it as an identity in our shared SES account (v2 for the DKIM
 * tokens, v1 for the `_amazonses` TXT token, and the custom MAIL FROM domain), then store it.
 *
 * SES is called before D1 is written, so a failure part-way deletes the identity again and
 * leaves nothing half-created. A domain belongs to one account at a time: the name is unique in
 * D1, and an identity that already exists in SES without a row (left by an earlier failed
 * attempt) is adopted rather than refused.
 */
import type { Db } from "../db/client.ts";
import { type DomainRow, findDomainByName, insertDomain } from "../db/queries/domains.ts";
import { uuidv7 } from "../lib/ids.ts";
import type { SesClient, SesOutcome } from "../services/ses.ts";

export type Registration =
	| { kind: "created"; domain: DomainRow }
	| { kind: "existing"; domain: DomainRow }
	| { kind: "taken" }
	| { kind: "ses_unavailable"; message: string }
	| { kind: "ses_refused"; message: string };

const failure = (outcome: Exclude<SesOutcome<unknown>, { kind: "ok" }>): Registration =>
	outcome.kind === "retry"
		? { kind: "ses_unavailable", message: `${outcome.code}: ${outcome.message}` }
		: { kind: "ses_refused", message: `${outcome.code}: ${outcome.message}` };

export async function registerDomain(
	deps: { db: Db; ses: SesClient; region: string },
	accountId: string,
	name: string,
	mailFromDomain: string,
	now = Date.now(),
): Promise<Registration> {
	const existing = await findDomainByName(deps.db, name);
	if (existing)
		return existing.accountId === accountId
			? { kind: "existing", domain: existing }
			: { kind: "taken" };

	let identity = await deps.ses.createEmailIdentity(name);
	if (identity.kind === "fail" && identity.code === "AlreadyExistsException") {
		identity = await deps.ses.getEmailIdentity(name);
	}
	if (identity.kind !== "ok") return failure(identity);
	const dkimTokens = identity.value.DkimAttributes?.Tokens ?? [];

	const undo = async (result: Registration) => {
		await deps.ses.deleteEmailIdentity(name);
		return result;
	};
	const token = await deps.ses.verifyDomainIdentity(name);
	if (token.kind !== "ok") return undo(failure(token));
	const mailFrom = await deps.ses.putMailFrom(name, mailFromDomain);
	if (mailFrom.kind !== "ok") return undo(failure(mailFrom));

	const domain: DomainRow = {
		id: uuidv7(now),
		accountId,
		name,
		region: deps.region,
		ownershipStatus: "not_started",
		dkimStatus: "not_started",
		spfStatus: "not_started",
		mailFromStatus: "not_started",
		dmarcStatus: "not_started",
		verificationToken: token.value,
		dkimTokens,
		mailFromDomain,
		diagnosis: null,
		createdAt: now,
		lastCheckedAt: null,
		verifiedAt: null,
		// The first automatic check comes a few minutes after the customer sees the records.
		nextCheckAt: now + 5 * 60_000,
		checkAttempts: 0,
	};
	try {
		await insertDomain(deps.db, domain);
	} catch (cause) {
		// Another account added the same name meanwhile: the identity is now theirs, keep it.
		const winner = await findDomainByName(deps.db, name);
		if (winner)
			return winner.accountId === accountId
				? { kind: "existing", domain: winner }
				: { kind: "taken" };
		await deps.ses.deleteEmailIdentity(name);
		throw cause;
	}
	return { kind: "created", domain };
}
