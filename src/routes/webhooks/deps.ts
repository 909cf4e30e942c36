/** What every `/webhooks` operation needs from env: the secret box and the URL check. */
import { webhookSecretBoxFromEnv } from "../../deps.ts";
import { checkEndpointUrl } from "../../domain/webhooks.ts";
import type { Bindings } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import type { SecretBox } from "../../lib/secret-box.ts";

/** The box over `WEBHOOK_SECRET_KEY`; 503 while the secret is not set (webhooks are off). */
export function webhookSecretBox(env: Bindings): Promise<SecretBox> {
	const box = webhookSecretBoxFromEnv(env);
	if (!box) {
		throw new ApiError(
			"service_unavailable",
			"Webhooks are not configured on this deployment (WEBHOOK_SECRET_KEY is not set).",
		);
	}
	return box;
}

/** The endpoint URL, normalised, or a 422 that names the field and says why. */
export function allowedEndpoint(env: Bindings, raw: string): string {
	const check = checkEndpointUrl(raw, env.WEBHOOK_ALLOW_LOCAL_URL_PREFIX);
	if (check.kind === "refused") {
		throw new ApiError("validation_error", `\`endpoint\`: ${check.why}.`);
	}
	return check.url;
}
