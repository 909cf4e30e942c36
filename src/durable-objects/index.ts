/** The one way to reach an account's guard (src/durable-objects/account-guard.ts): a stub named after the account id. */
import type { Bindings } from "../env.ts";

export function guardFor(env: Bindings, accountId: string) {
	return env.ACCOUNT_GUARD.get(env.ACCOUNT_GUARD.idFromName(accountId));
}
