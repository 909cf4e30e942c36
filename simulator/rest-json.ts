// Request validation shared by the SES v2 (restJson1) routes, with the wording of AWS's request
// validation ("Coral") messages, which SES v2 answers as BadRequestException. Paths are the
// camel-cased member paths AWS prints (`destination.toAddresses`).

import { AwsError } from "./aws-error.ts";

export type Json = Record<string, unknown>;

/** The body as JSON; an empty body is `{}`, as SDKs send no body for an input with no members. */
export function parseJsonBody(body: ArrayBuffer): unknown {
	const text = new TextDecoder().decode(body);
	if (text.trim() === "") return {};
	try {
		return JSON.parse(text);
	} catch {
		return badRequest("The request body is not valid JSON.");
	}
}

export function requireJsonObject(value: unknown): Json {
	if (typeof value !== "object" || value === null || Array.isArray(value)) {
		badRequest("The request body must be a JSON object.");
	}
	return value as Json;
}

export function requireObject(value: unknown, path: string): Json {
	if (value === undefined || value === null) missing(path);
	if (typeof value !== "object" || Array.isArray(value)) return wrongType(path, "structure");
	return value as Json;
}

export function requireString(value: unknown, path: string): string {
	if (value === undefined || value === null) missing(path);
	if (typeof value !== "string") return wrongType(path, "string");
	return value;
}

export function optionalString(value: unknown, path: string): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== "string") return wrongType(path, "string");
	return value;
}

/** An enum member: null when absent, BadRequestException when not one of `allowed`. */
export function optionalEnum<T extends string>(
	value: unknown,
	path: string,
	allowed: readonly T[],
): T | null {
	const text = optionalString(value, path);
	if (text === null) return null;
	if (!allowed.includes(text as T)) {
		badRequest(
			`1 validation error detected: Value '${text}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`,
		);
	}
	return text as T;
}

export function missing(path: string): never {
	return badRequest(
		`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`,
	);
}

export function wrongType(path: string, type: string): never {
	return badRequest(`1 validation error detected: Value at '${path}' must be a ${type}`);
}

export function badRequest(message: string): never {
	throw new AwsError("BadRequestException", 400, message);
}
