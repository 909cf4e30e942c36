/**
 * The Worker's environment and the router factory every resource uses.
 *
 * `Env` comes from `wrangler types` (bindings and vars in wrangler.toml); secrets are set with
 * `wrangler secret put` and so are declared here by hand.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import type { KeyCheck, SenderAccount } from "./domain/sender.ts";
import { ApiError } from "./lib/errors.ts";

export interface Secrets {
	AWS_ACCESS_KEY_ID: string;
	AWS_SECRET_ACCESS_KEY: string;
	/** Billing is off (503 billing_not_configured) while these are unset, as in local development. */
	STRIPE_SECRET_KEY?: string;
	STRIPE_WEBHOOK_SECRET?: string;
	/**
	 * Encrypts customer webhooks' signing secrets at rest: base64 32-byte AES keys,
	 * comma-separated, the first one encrypting (src/lib/secret-box.ts). Unset, `/webhooks`
	 * answers 503.
	 */
	WEBHOOK_SECRET_KEY?: string;
	/**
	 * Seals BYOC customers' AWS access keys at rest, in the same form as WEBHOOK_SECRET_KEY.
	 * Unset, only IAM-role connections can be saved.
	 */
	BYOC_SECRET_KEY?: string;
}

export type Bindings = Env & Secrets;

/** The account fields every request needs, loaded with the credential in one query. */
export type CallerAccount = SenderAccount;

/** Who is calling, resolved once by the auth middleware: an API key or a dashboard session. */
export interface Caller {
	accountId: string;
	/** The API key used, or null for a dashboard session. */
	apiKeyId: string | null;
	/** The dashboard user, or null for an API key. */
	userId: string | null;
	/** Staff review other accounts (dashboard sessions only). */
	isStaff: boolean;
	permission: "full_access" | "sending_access";
	/** A `sending_access` key may be restricted to one domain. */
	restrictedToDomainId: string | null;
	account: CallerAccount;
}

export type AppEnv = {
	Bindings: Bindings;
	Variables: {
		caller: Caller;
		/** A warm API key still to be confirmed by D1 (src/middleware/auth.ts). */
		keyCheck: KeyCheck<Caller> | undefined;
	};
};

/** Renders zod's first issue as one sentence that names the field, e.g. "`to[2]` is not …". */
export function describeZodError(error: ZodError, prefix = ""): string {
	const issue = error.issues[0];
	if (!issue) return "The request is invalid.";
	const path = issue.path.reduce<string>(
		(acc, part) =>
			typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
		prefix,
	);
	return path ? `\`${path}\`: ${issue.message}` : issue.message;
}

export function createRouter() {
	return new OpenAPIHono<AppEnv>({
		defaultHook: (result) => {
			if (!result.success) {
				throw new ApiError("validation_error", describeZodError(result.error));
			}
		},
	});
}
