/**
 * BYOC ("bring your own cloud"): an account sends through its own AWS account's SES instead of
 * ours. It needs no approval and no plan, has no monthly quota (the customer pays AWS), and
 * SendFleet keeps nothing of what it sends (src/domain/byoc-sending.ts).
 *
 * The connection is an IAM role we assume with the account's external id (recommended: no
 * long-lived secret leaves the customer's account) or an access key pair, sealed at rest with
 * `BYOC_SECRET_KEY`. Saving one tests it with SES GetAccount in the chosen region and keeps
 * what SES said (sandbox or production access, rate, daily quota). A send that finds the
 * credentials refused marks the connection broken, which `GET /byoc/connection` shows; the next
 * send that goes through, or a new test, clears it.
 *
 * The external id, the role's session name and the policies the customer attaches are in
 * ./byoc-iam.ts.
 */

import type { Db } from "../db/client.ts";
import {
	type ByocConnectionRow,
	deleteByocConnection,
	findByocConnection,
	markByocBroken,
	saveByocConnection,
} from "../db/queries/byoc.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import type { ByocAccess, ByocSes } from "../services/byoc-ses.ts";
import type { SesClient } from "../services/ses.ts";
import { externalIdFor, sessionName } from "./byoc-iam.ts";
import {
	byocProblem,
	CREDENTIAL_CODES,
	type Failed,
	missingAction,
	PERMISSION_CODES,
} from "./byoc-problems.ts";
import { type Refusal, type Rejected, rejected } from "./refusals.ts";

/** What the customer gives us to reach their AWS account. */
export type ByocCredentialsInput =
	| { method: "role"; region: string; roleArn: string }
	| { method: "access_key"; region: string; accessKeyId: string; secretAccessKey: string };

export interface ByocDeps {
	db: Db;
	ses: ByocSes;
	/** The box over `BYOC_SECRET_KEY`, or null while it is not set (access keys are refused). */
	box: Promise<SecretBox> | null;
	/** SendFleet's own AWS account id, which the customer's role must trust. */
	platformAwsAccountId: string;
	now?: () => number;
}

/** The refusal for a connection being saved, which names what to fix before anything is kept. */
function connectRefusal(
	outcome: Failed,
	input: ByocCredentialsInput,
	externalId: string,
	platformAwsAccountId: string,
	step: "assume_role" | "get_account",
): Refusal {
	const text = `${outcome.code}: ${outcome.message}`;
	if (step === "assume_role" && input.method === "role" && outcome.kind === "fail") {
		return {
			code: "byoc_role_refused",
			roleArn: input.roleArn,
			externalId,
			awsAccountId: platformAwsAccountId,
			message: text,
		};
	}
	if (PERMISSION_CODES.has(outcome.code)) {
		const action = missingAction(outcome.message) ?? "ses:GetAccount";
		return { code: "byoc_permission_missing", action, message: text };
	}
	if (CREDENTIAL_CODES.has(outcome.code))
		return { code: "byoc_credentials_invalid", message: text };
	return byocProblem(outcome, { region: input.region, sandbox: false });
}

export type Connected = { kind: "connected"; connection: ByocConnectionRow };

/** Tests the credentials with SES GetAccount and, if they work, saves them (sealed). */
export async function connectByoc(
	deps: ByocDeps,
	accountId: string,
	input: ByocCredentialsInput,
): Promise<Connected | Rejected> {
	const now = deps.now?.() ?? Date.now();
	const externalId = externalIdFor(accountId);
	if (input.method === "access_key" && !deps.box) {
		return rejected({ code: "byoc_not_configured", what: "BYOC_SECRET_KEY" });
	}
	if (input.method === "role" && !deps.platformAwsAccountId) {
		return rejected({ code: "byoc_not_configured", what: "SENDFLEET_AWS_ACCOUNT_ID" });
	}
	const access: ByocAccess =
		input.method === "role"
			? { method: "role", roleArn: input.roleArn, externalId, sessionName: sessionName(accountId) }
			: {
					method: "access_key",
					accessKeyId: input.accessKeyId,
					secretAccessKey: input.secretAccessKey,
				};
	const refuse = (outcome: Failed, step: "assume_role" | "get_account") =>
		rejected(connectRefusal(outcome, input, externalId, deps.platformAwsAccountId, step));

	// A role is assumed anew, so a fixed trust policy is seen at once.
	const client = await deps.ses.clientFor(access, input.region, { fresh: true });
	if (client.kind !== "ok") return refuse(client, "assume_role");
	const account = await client.value.getAccount();
	if (account.kind !== "ok") return refuse(account, "get_account");

	const box = input.method === "access_key" ? await deps.box : null;
	const quota = account.value.SendQuota ?? {};
	const connection: ByocConnectionRow = {
		accountId,
		method: input.method,
		region: input.region,
		roleArn: input.method === "role" ? input.roleArn : null,
		sealedKeys:
			input.method === "access_key" && box
				? await box.seal(
						JSON.stringify({
							accessKeyId: input.accessKeyId,
							secretAccessKey: input.secretAccessKey,
						}),
					)
				: null,
		accessKeyHint: input.method === "access_key" ? input.accessKeyId.slice(-4) : null,
		brokenReason: null,
		brokenAt: null,
		productionAccess: account.value.ProductionAccessEnabled ?? false,
		sendingEnabled: account.value.SendingEnabled ?? true,
		maxSendRate: quota.MaxSendRate ?? 0,
		max24HourSend: quota.Max24HourSend ?? 0,
		checkedAt: now,
		createdAt: now,
	};
	const before = await findByocConnection(deps.db, accountId);
	await saveByocConnection(deps.db, { ...connection, createdAt: before?.createdAt ?? now });
	if (before?.roleArn && before.roleArn !== connection.roleArn) {
		const old = await accessOf(deps, before);
		if (old.kind === "ok") deps.ses.forget(old.access);
	}
	return { kind: "connected", connection: { ...connection, createdAt: before?.createdAt ?? now } };
}

/** Tests the saved connection again (the dashboard's "Test again"): clears or sets broken. */
export async function retestByoc(
	deps: ByocDeps,
	accountId: string,
): Promise<Connected | Rejected | { kind: "none" }> {
	const row = await findByocConnection(deps.db, accountId);
	if (!row) return { kind: "none" };
	const access = await accessOf(deps, row);
	if (access.kind !== "ok") return access;
	const input: ByocCredentialsInput =
		access.access.method === "role"
			? { method: "role", region: row.region, roleArn: access.access.roleArn }
			: {
					method: "access_key",
					region: row.region,
					accessKeyId: access.access.accessKeyId,
					secretAccessKey: access.access.secretAccessKey,
				};
	const outcome = await connectByoc(deps, accountId, input);
	if (outcome.kind === "rejected" && BROKEN_BY.has(outcome.reason.code)) {
		const reason = describeRefusal(outcome.reason);
		await saveByocConnection(deps.db, {
			...row,
			brokenReason: reason,
			brokenAt: row.brokenAt ?? deps.now?.() ?? Date.now(),
		});
	}
	return outcome;
}

/** Refusals that mean the connection itself does not work (not SES being busy or down). */
const BROKEN_BY = new Set<Refusal["code"]>([
	"byoc_role_refused",
	"byoc_permission_missing",
	"byoc_credentials_invalid",
	"byoc_connection_broken",
]);

/** The connection's access, its secrets opened. */
export async function accessOf(
	deps: Pick<ByocDeps, "box">,
	row: ByocConnectionRow,
): Promise<{ kind: "ok"; access: ByocAccess } | Rejected> {
	if (row.method === "role" && row.roleArn) {
		return {
			kind: "ok",
			access: {
				method: "role",
				roleArn: row.roleArn,
				externalId: externalIdFor(row.accountId),
				sessionName: sessionName(row.accountId),
			},
		};
	}
	const box = deps.box ? await deps.box : null;
	if (!box || !row.sealedKeys) {
		return rejected({ code: "byoc_not_configured", what: "BYOC_SECRET_KEY" });
	}
	try {
		const keys = JSON.parse(await box.open(row.sealedKeys)) as {
			accessKeyId: string;
			secretAccessKey: string;
		};
		return { kind: "ok", access: { method: "access_key", ...keys } };
	} catch {
		// BYOC_SECRET_KEY lost the key that sealed it: only the customer can give the key again.
		return rejected({
			code: "byoc_connection_broken",
			reason: "the saved access key can no longer be opened; save the connection again",
		});
	}
}

/** A refusal as one line, for the connection's `broken_reason`. */
function describeRefusal(refusal: Refusal): string {
	switch (refusal.code) {
		case "byoc_role_refused":
			return `STS refused to assume ${refusal.roleArn} (${refusal.message})`;
		case "byoc_permission_missing":
			return `the IAM policy does not allow ${refusal.action} (${refusal.message})`;
		case "byoc_credentials_invalid":
			return `AWS refused the credentials (${refusal.message})`;
		case "byoc_connection_broken":
			return refusal.reason;
		default:
			return refusal.code;
	}
}

/**
 * A client for the account's own SES in `region` (default: the connection's), or why there is
 * none: no connection, its keys cannot be opened, or STS refused the role (now marked broken).
 */
export async function byocClientFor(
	deps: ByocDeps,
	accountId: string,
	region?: string,
): Promise<{ kind: "ok"; ses: SesClient; region: string } | Rejected> {
	const row = await findByocConnection(deps.db, accountId);
	if (!row) return rejected({ code: "byoc_not_connected" });
	const opened = await accessOf(deps, row);
	if (opened.kind !== "ok") return opened;
	const where = region ?? row.region;
	const client = await deps.ses.clientFor(opened.access, where);
	if (client.kind === "ok") return { kind: "ok", ses: client.value, region: where };
	const problem = byocProblem(client, { region: where, sandbox: !row.productionAccess });
	if (problem.code === "byoc_connection_broken") {
		await markByocBroken(deps.db, accountId, problem.reason, deps.now?.() ?? Date.now());
	}
	return rejected(problem);
}

/** Deletes the connection and forgets its role's credentials; false if there was none. */
export async function disconnectByoc(deps: ByocDeps, accountId: string): Promise<boolean> {
	const row = await findByocConnection(deps.db, accountId);
	if (!row) return false;
	if (row.method === "role" && row.roleArn) {
		deps.ses.forget({
			method: "role",
			roleArn: row.roleArn,
			externalId: externalIdFor(accountId),
			sessionName: sessionName(accountId),
		});
	}
	return deleteByocConnection(deps.db, accountId);
}
