/**
 * The one way to reach each Durable Object: an account's guard
 * (src/durable-objects/account-guard.ts), a stub named after the account id; the send pacer
 * (src/durable-objects/send-pacer.ts), the one object of its class.
 */
import type { Bindings } from "../env.ts";

export function guardFor(env: Bindings, accountId: string) {
	return env.ACCOUNT_GUARD.get(env.ACCOUNT_GUARD.idFromName(accountId));
}

/** The name of the one SendPacer: every lane and consumer shares its pace. */
const PACER_NAME = "ses-shared-account";

export function pacerFor(env: Bindings) {
	return env.SEND_PACER.get(env.SEND_PACER.idFromName(PACER_NAME));
}
