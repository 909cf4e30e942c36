// Fault injection: rules that make the next matching SES calls fail with an SES error, so tests
// and demos can exercise throttling, outages and permanent rejections without AWS. A rule names
// the operation it targets (default SendEmail, so rules written before the identity operations
// existed keep their meaning); `to`/`from` narrow SendEmail rules further. A rule applies to the
// platform account's calls unless it names `awsAccountId` (a customer's, or the platform's), so
// rules written before customer accounts existed keep their meaning too; for AssumeRole that is
// the caller's account. A rule is consumed one call at a time; rules are tried in the order they
// were added.

import { bareAddress } from "./address.ts";
import { PLATFORM_ACCOUNT_ID } from "./aws-accounts.ts";
import { DEFAULT_MESSAGE, DEFAULT_STATUS } from "./aws-error.ts";

/** The SES operations a fault can target, as AWS names them. */
export const FAULT_OPERATIONS = [
	"SendEmail",
	"CreateEmailIdentity",
	"GetEmailIdentity",
	"DeleteEmailIdentity",
	"PutEmailIdentityMailFromAttributes",
	"VerifyDomainIdentity",
	"GetIdentityVerificationAttributes",
	"GetAccount",
	"AssumeRole",
] as const;

export type FaultOperation = (typeof FAULT_OPERATIONS)[number];

export interface FaultMatch {
	/** The operation to fail; default SendEmail. */
	operation?: FaultOperation;
	/** SendEmail only: any To, Cc or Bcc recipient. */
	to?: string;
	/** SendEmail only: the sender. */
	from?: string;
	/** The calling AWS account; default the platform's, so a rule never hits customer accounts unasked. */
	awsAccountId?: string;
}

/** What callers pass to `addFault` or `POST /_simulator/faults`. */
export interface FaultInput {
	match?: FaultMatch;
	code: string;
	status?: number;
	message?: string;
	/** How many matching calls fail; default 1. */
	times?: number;
}

/** A stored rule, with its defaults resolved. */
export interface FaultRule {
	id: string;
	match: FaultMatch;
	code: string;
	status: number;
	message: string;
	remaining: number;
}

/** The parts of a call a rule can match on; only SendEmail has a sender and recipients. */
export type FaultEnvelope = { awsAccountId: string } & (
	| { operation: "SendEmail"; from: string; recipients: readonly string[] }
	| { operation: Exclude<FaultOperation, "SendEmail"> }
);

/** Thrown for a fault description that cannot be honoured; the message says why. */
export class FaultInputError extends TypeError {
	constructor(message: string) {
		super(message);
		this.name = "FaultInputError";
	}
}

const MAX_TIMES = 100_000;

/** Validates untrusted input (JSON from HTTP or a test) and resolves defaults. */
export function parseFault(input: unknown): FaultRule {
	if (!isRecord(input)) throw new FaultInputError("A fault must be a JSON object.");
	const { match, code, status, message, times } = input;
	// The code is written into a response header, so it must be a plain identifier.
	if (typeof code !== "string" || !/^[A-Za-z][A-Za-z0-9.]{0,127}$/.test(code)) {
		throw new FaultInputError("code must be an AWS error code such as TooManyRequestsException.");
	}
	if (status !== undefined && !(typeof status === "number" && isErrorStatus(status))) {
		throw new FaultInputError("status must be an integer from 400 to 599.");
	}
	const resolvedStatus = typeof status === "number" ? status : DEFAULT_STATUS[code];
	if (resolvedStatus === undefined) {
		throw new FaultInputError(`status is required for the unknown code ${code}.`);
	}
	if (message !== undefined && (typeof message !== "string" || message.length > 2000)) {
		throw new FaultInputError("message must be a string of at most 2000 characters.");
	}
	if (
		times !== undefined &&
		!(typeof times === "number" && Number.isInteger(times) && times >= 1 && times <= MAX_TIMES)
	) {
		throw new FaultInputError(`times must be an integer from 1 to ${MAX_TIMES}.`);
	}
	return {
		id: crypto.randomUUID(),
		match: parseMatch(match),
		code,
		status: resolvedStatus,
		message: typeof message === "string" ? message : (DEFAULT_MESSAGE[code] ?? code),
		remaining: typeof times === "number" ? times : 1,
	};
}

/** Whether `rule` applies to a call; an empty match applies to every SendEmail call. */
export function faultMatches(rule: FaultRule, envelope: FaultEnvelope): boolean {
	if ((rule.match.operation ?? "SendEmail") !== envelope.operation) return false;
	if ((rule.match.awsAccountId ?? PLATFORM_ACCOUNT_ID) !== envelope.awsAccountId) return false;
	if (envelope.operation !== "SendEmail") return true;
	const { to, from } = rule.match;
	if (from !== undefined && bareAddress(envelope.from) !== bareAddress(from)) return false;
	if (to !== undefined) {
		const wanted = bareAddress(to);
		if (!envelope.recipients.some((r) => bareAddress(r) === wanted)) return false;
	}
	return true;
}

function parseMatch(match: unknown): FaultRule["match"] {
	if (match === undefined || match === null) return {};
	if (!isRecord(match)) {
		throw new FaultInputError(
			"match must be an object with operation, to, from and/or awsAccountId.",
		);
	}
	const result: FaultRule["match"] = {};
	const { operation } = match;
	if (operation !== undefined) {
		if (!FAULT_OPERATIONS.includes(operation as FaultOperation)) {
			throw new FaultInputError(`match.operation must be one of ${FAULT_OPERATIONS.join(", ")}.`);
		}
		result.operation = operation as FaultOperation;
	}
	const { awsAccountId } = match;
	if (awsAccountId !== undefined) {
		if (typeof awsAccountId !== "string" || !/^\d{12}$/.test(awsAccountId)) {
			throw new FaultInputError("match.awsAccountId must be a 12-digit AWS account id.");
		}
		result.awsAccountId = awsAccountId;
	}
	for (const key of ["to", "from"] as const) {
		const value = match[key];
		if (value === undefined) continue;
		if (typeof value !== "string" || value.trim() === "") {
			throw new FaultInputError(`match.${key} must be a non-empty email address.`);
		}
		result[key] = value;
	}
	// A recipient filter on an operation that has no recipients would silently never fire.
	if (
		(result.to !== undefined || result.from !== undefined) &&
		(result.operation ?? "SendEmail") !== "SendEmail"
	) {
		throw new FaultInputError("match.to and match.from apply to SendEmail only.");
	}
	return result;
}

function isErrorStatus(status: number): boolean {
	return Number.isInteger(status) && status >= 400 && status <= 599;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}
