/** The outside world, built from the Worker's configuration in one place. */
import type { Bindings } from "../env.ts";
import { createByocSes } from "./byoc-ses.ts";
import { createDnsResolver } from "./dns.ts";
import { createSesClient, type SesConfig } from "./ses.ts";
import { createStsClient } from "./sts.ts";

export function servicesFromEnv(env: Bindings) {
	return {
		ses: createSesClient(sesConfigFromEnv(env)),
		resolve: createDnsResolver(env.DNS_RESOLVER_URL),
		region: env.SES_REGION,
	};
}

/** SES clients for BYOC customers' own AWS accounts, reached as SendFleet's AWS principal. */
export function byocSesFromEnv(env: Bindings) {
	return createByocSes({
		sts: createStsClient({
			endpoint: env.STS_ENDPOINT,
			accessKeyId: env.AWS_ACCESS_KEY_ID,
			secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
		}),
		sesEndpoint: env.SES_ENDPOINT,
	});
}

export function sesConfigFromEnv(env: Bindings): SesConfig {
	return {
		region: env.SES_REGION,
		endpoint: env.SES_ENDPOINT,
		accessKeyId: env.AWS_ACCESS_KEY_ID,
		secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
		configurationSet: env.SES_CONFIGURATION_SET,
	};
}
