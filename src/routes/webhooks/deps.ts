/** What every `/webhooks` operation needs from env: the secret box, the URL check, the queue. */
import { checkEndpointUrl } from "../../domain/webhooks.ts";
import type { Bindings } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { createSecretBox, type SecretBox } from "../../lib/secret-box.ts";

let cached: { ring: string; box: Promise<SecretBox> } | undefined;

/** The box over `WEBHOOK_SECRET_KEY`; 503 while the secret is not set (webhooks are off). */
export function webhookSecretBox(env: Bindings): Promise<SecretBox> {
	const ring = env.WEBHOOK_SECRET_KEY;
	if (!ring) {
		throw new ApiError(
			"service_unavailable",
			"Webhooks are not configured on this deployment (WEBHOOK_SECRET_KEY is not set).",
		);
	}
	if (cached?.ring !== ring) cached = { ring, box: createSecretBox(ring) };
	return cached.box;
}

/** The endpoint URL, normalised, or a 422 that names the field and says why. */
export function allowedEndpoint(env: Bindings, raw: string): string {
	const check = checkEndpointUrl(raw, env.WEBHOOK_ALLOW_LOCAL_URL_PREFIX);
	if (check.kind === "refused")
		throw new ApiError("validation_error", `\`endpoint\`: ${check.why}.`);
	return check.url;
}
