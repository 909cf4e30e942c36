/** The outside world, built from the Worker's configuration in one place. */
import type { Bindings } from "../env.ts";
import { createDnsResolver } from "./dns.ts";
import { createSesClient, sesConfigFromEnv } from "./ses.ts";

export function servicesFromEnv(env: Bindings) {
	return {
		ses: createSesClient(sesConfigFromEnv(env)),
		resolve: createDnsResolver(env.DNS_RESOLVER_URL),
		region: env.SES_REGION,
	};
}
