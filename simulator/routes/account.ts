// SES v2 GetAccount (`GET /v2/email/account`): the caller's sending quota and whether it is still
// in the sandbox, as the SES v2 API reference shapes it. The platform account is in production
// with SES's default production quota; a customer account answers its own flag and figures
// (aws-accounts.ts). SentLast24Hours counts the account's messages the simulator accepted in the
// 24 hours before now, on the simulator's clock.

import { Hono } from "hono";
import { sentLast24Hours } from "../aws.ts";
import { type AwsRegistry, quotaOf } from "../aws-accounts.ts";
import { authorize, type SesEnv } from "../aws-auth.ts";
import { AwsError } from "../aws-error.ts";
import type { SimulatorStore } from "../store.ts";

export interface AccountRouteDeps {
	store: SimulatorStore;
	registry: AwsRegistry;
	now: () => Date;
}

export function createAccountRoutes(deps: AccountRouteDeps): Hono<SesEnv> {
	const routes = new Hono<SesEnv>();

	routes.get("/v2/email/account", (c) => {
		const caller = c.get("caller");
		authorize(
			deps.registry,
			caller,
			"ses:GetAccount",
			`arn:aws:ses:${caller.region}:${caller.accountId}:*`,
		);
		const fault = deps.store.takeFault({ operation: "GetAccount", awsAccountId: caller.accountId });
		if (fault !== undefined) throw new AwsError(fault.code, fault.status, fault.message);

		const account = deps.registry.accounts.get(caller.accountId);
		const quota = quotaOf(account);
		c.header("x-amzn-RequestId", crypto.randomUUID());
		return c.json(
			{
				DedicatedIpAutoWarmupEnabled: false,
				EnforcementStatus: "HEALTHY",
				ProductionAccessEnabled: !(account?.sandbox ?? false),
				SendingEnabled: true,
				SendQuota: {
					Max24HourSend: quota.max24HourSend,
					MaxSendRate: quota.maxSendRate,
					SentLast24Hours: sentLast24Hours(deps.store, caller.accountId, deps.now()),
				},
			},
			200,
		);
	});

	return routes;
}
