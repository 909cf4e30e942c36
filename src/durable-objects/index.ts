/** The one way to reach an account's guard: a stub named after the account id. */
import type { Bindings } from "../env.ts";

export { AccountGuard } from "./account-guard.ts";

export function guardFor(env: Bindings, accountId: string) {
	return env.ACCOUNT_GUARD.get(env.ACCOUNT_GUARD.idFromName(accountId));
}
