/**
 * A BYOC customer as tests need one: a SendFleet account (not approved, free plan: BYOC needs
 * neither), its key, and its own AWS account in the simulator with the role SendFleet assumes.
 */
import type { SesSimulator } from "../../simulator/app.ts";
import { api } from "./api.ts";
import { createAccount, createApiKey } from "./factories.ts";

let counter = 0;

export async function byocCustomer(
	sim: SesSimulator,
	options: { sandbox?: boolean; region?: string } = {},
) {
	const account = await createAccount({
		plan: "free",
		verificationStatus: "none",
		subscriptionStatus: "none",
	});
	const key = (await createApiKey(account.id)).token;
	const aws = sim.aws.createAccount({ sandbox: options.sandbox ?? false });
	const { roleArn } = sim.aws.createRole(aws.accountId, {
		name: "SendFleet",
		externalId: `sendfleet-${account.id}`,
	});
	return { account, key, aws, roleArn, region: options.region ?? "eu-west-1" };
}

export type ByocCustomer = Awaited<ReturnType<typeof byocCustomer>>;

/**
 * Connects the customer's role (or its access key), adds a BYOC domain and verifies it;
 * answers the domain.
 */
export async function verifiedByocDomain(
	sim: SesSimulator,
	customer: ByocCustomer,
	using: "role" | "access_key" = "role",
) {
	const credentials =
		using === "role"
			? { role_arn: customer.roleArn }
			: {
					access_key_id: customer.aws.accessKeyId,
					secret_access_key: customer.aws.secretAccessKey,
				};
	const connected = await api("POST", "/byoc/connection", {
		key: customer.key,
		body: { region: customer.region, ...credentials },
	});
	if (connected.status !== 200) throw new Error(JSON.stringify(connected.json));
	const name = `byoc${Date.now().toString(36)}${counter++}.example.com`;
	const added = await api("POST", "/domains", {
		key: customer.key,
		body: { name, sending_path: "byoc" },
	});
	if (added.status !== 201) throw new Error(JSON.stringify(added.json));
	sim.dns.publish(name, undefined, {
		awsAccountId: customer.aws.accountId,
		region: customer.region,
	});
	const id = String(added.json.id);
	const verified = await api("POST", `/domains/${id}/verify`, { key: customer.key });
	if (verified.json.status !== "verified") throw new Error(JSON.stringify(verified.json));
	return { id, name, from: `Acme <hello@${name}>` };
}
