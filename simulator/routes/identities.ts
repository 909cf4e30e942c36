// SES v2 email identities (`/v2/email/identities`): CreateEmailIdentity, GetEmailIdentity,
// DeleteEmailIdentity and PutEmailIdentityMailFromAttributes, with the response shapes of the SES
// v2 API reference. Only domain identities with Easy DKIM are simulated; email-address identities
// and BYODKIM answer BadRequestException saying so. Statuses come from identities.ts, which reads
// the simulator's DNS on every call. Each caller sees its own account's identities in the region
// it signed for (the platform: the simulator's original store). Order of checks: input
// validation, IAM, injected faults (as a throttle fires before SES looks anything up), then the
// identity itself.

import { type Context, Hono } from "hono";
import type { AwsRegistry } from "../aws-accounts.ts";
import { authorize, type SesEnv, sesIdentityArn } from "../aws-auth.ts";
import { AwsError } from "../aws-error.ts";
import type { DnsStore } from "../dns.ts";
import { DKIM_HOSTED_ZONE } from "../domain-records.ts";
import {
	type BehaviorOnMxFailure,
	type DomainIdentity,
	type IdentityStore,
	observeIdentity,
	parseDomainName,
} from "../identities.ts";
import {
	badRequest,
	optionalEnum,
	optionalString,
	parseJsonBody,
	requireJsonObject,
	requireString,
} from "../rest-json.ts";
import type { SimulatorStore } from "../store.ts";

export interface IdentityRouteDeps {
	store: SimulatorStore;
	registry: AwsRegistry;
	dns: DnsStore;
	now: () => Date;
}

type Operation =
	| "CreateEmailIdentity"
	| "GetEmailIdentity"
	| "DeleteEmailIdentity"
	| "PutEmailIdentityMailFromAttributes";

const BEHAVIORS: readonly BehaviorOnMxFailure[] = ["USE_DEFAULT_VALUE", "REJECT_MESSAGE"];
// New Easy DKIM identities get 2048-bit keys (SES Developer Guide, Easy DKIM).
const KEY_LENGTH = "RSA_2048_BIT";

export function createIdentityRoutes(deps: IdentityRouteDeps): Hono<SesEnv> {
	const routes = new Hono<SesEnv>();

	routes.post("/v2/email/identities", async (c) => {
		const body = requireJsonObject(parseJsonBody(await c.req.arrayBuffer()));
		const emailIdentity = requireString(body.EmailIdentity, "emailIdentity");
		const configurationSetName = optionalString(body.ConfigurationSetName, "configurationSetName");
		if (body.DkimSigningAttributes !== undefined) {
			badRequest("The SES simulator supports Easy DKIM only; omit DkimSigningAttributes.");
		}
		if (emailIdentity.includes("@")) {
			badRequest("The SES simulator supports domain identities only, not email addresses.");
		}
		const domain =
			parseDomainName(emailIdentity) ?? badRequest(`Invalid domain name: ${emailIdentity}`);
		const { identities } = begin(deps, c, "CreateEmailIdentity", domain);

		const identity = identities.create(domain, {
			now: deps.now(),
			withDkim: true,
			configurationSetName,
		});
		if (identity === undefined) {
			// SES answers 400 here, not 409 (AlreadyExistsException is an httpError 400 in the model).
			throw new AwsError("AlreadyExistsException", 400, `Email identity ${domain} already exist.`);
		}
		c.header("x-amzn-RequestId", crypto.randomUUID());
		// SES has not looked for the records yet when it answers: DKIM starts NOT_STARTED and reads
		// PENDING from the first GetEmailIdentity on.
		return c.json(
			{
				IdentityType: "DOMAIN",
				VerifiedForSendingStatus: false,
				DkimAttributes: dkimAttributes(identity, "NOT_STARTED"),
			},
			200,
		);
	});

	routes.get("/v2/email/identities/:identity", (c) => {
		const { identities, region } = begin(deps, c, "GetEmailIdentity", c.req.param("identity"));
		const identity = findIdentity(identities, c.req.param("identity"));
		const now = deps.now();
		const { statuses } = observeIdentity(identity, deps.dns, region, now);
		const nowSeconds = epochSeconds(now);
		c.header("x-amzn-RequestId", crypto.randomUUID());
		return c.json(
			{
				IdentityType: "DOMAIN",
				FeedbackForwardingStatus: true,
				VerifiedForSendingStatus: statuses.verifiedForSending,
				DkimAttributes: dkimAttributes(identity, statuses.dkim),
				MailFromAttributes:
					identity.mailFromDomain === null
						? { BehaviorOnMxFailure: identity.behaviorOnMxFailure }
						: {
								MailFromDomain: identity.mailFromDomain,
								MailFromDomainStatus: statuses.mailFrom,
								BehaviorOnMxFailure: identity.behaviorOnMxFailure,
							},
				Policies: {},
				Tags: [],
				...(identity.configurationSetName === null
					? {}
					: { ConfigurationSetName: identity.configurationSetName }),
				VerificationStatus: statuses.verification,
				// The simulator checks on every read, so the last check is now.
				VerificationInfo: {
					LastCheckedTimestamp: nowSeconds,
					...(statuses.lastSuccess === null
						? {}
						: { LastSuccessTimestamp: epochSeconds(statuses.lastSuccess) }),
					...(statuses.error === null ? {} : { ErrorType: statuses.error }),
				},
			},
			200,
		);
	});

	routes.delete("/v2/email/identities/:identity", (c) => {
		const { identities } = begin(deps, c, "DeleteEmailIdentity", c.req.param("identity"));
		const identity = findIdentity(identities, c.req.param("identity"));
		// The customer's DNS records stay where they are, as they would at their DNS host.
		identities.delete(identity.domain);
		c.header("x-amzn-RequestId", crypto.randomUUID());
		return c.json({}, 200);
	});

	routes.put("/v2/email/identities/:identity/mail-from", async (c) => {
		const body = requireJsonObject(parseJsonBody(await c.req.arrayBuffer()));
		const mailFromDomain = optionalString(body.MailFromDomain, "mailFromDomain");
		const behavior = optionalEnum(body.BehaviorOnMxFailure, "behaviorOnMxFailure", BEHAVIORS);
		const { identities } = begin(
			deps,
			c,
			"PutEmailIdentityMailFromAttributes",
			c.req.param("identity"),
		);
		const identity = findIdentity(identities, c.req.param("identity"));
		let domain: string | null = null;
		if (mailFromDomain !== null && mailFromDomain !== "") {
			const parsed = parseDomainName(mailFromDomain);
			// SES requires a subdomain of the identity (SES Developer Guide, custom MAIL FROM).
			if (parsed === null || !parsed.endsWith(`.${identity.domain}`)) {
				badRequest(
					`Invalid MAIL FROM domain ${mailFromDomain}: it must be a subdomain of ${identity.domain}.`,
				);
			}
			domain = parsed;
		}
		// An empty MailFromDomain turns the custom MAIL FROM off; setting one restarts SES's search.
		identity.mailFromDomain = domain;
		identity.mailFromSetAt = domain === null ? null : deps.now();
		identity.behaviorOnMxFailure = behavior ?? "USE_DEFAULT_VALUE";
		c.header("x-amzn-RequestId", crypto.randomUUID());
		return c.json({}, 200);
	});

	return routes;
}

function dkimAttributes(identity: DomainIdentity, status: string): Record<string, unknown> {
	if (identity.dkimTokens === null || identity.dkimStartedAt === null) {
		// A domain verified only through SES v1 has no Easy DKIM until it is set up.
		return {
			SigningEnabled: false,
			Status: "NOT_STARTED",
			SigningAttributesOrigin: "AWS_SES",
			NextSigningKeyLength: KEY_LENGTH,
		};
	}
	return {
		SigningEnabled: true,
		Status: status,
		Tokens: [...identity.dkimTokens],
		SigningHostedZone: DKIM_HOSTED_ZONE,
		SigningAttributesOrigin: "AWS_SES",
		NextSigningKeyLength: KEY_LENGTH,
		CurrentSigningKeyLength: KEY_LENGTH,
		LastKeyGenerationTimestamp: epochSeconds(identity.dkimStartedAt),
	};
}

function findIdentity(identities: IdentityStore, name: string): DomainIdentity {
	const identity = identities.get(name);
	if (identity === undefined) {
		throw new AwsError("NotFoundException", 404, `Email identity ${name} does not exist.`);
	}
	return identity;
}

/** IAM, then faults; answers the caller's identities in the region it signed for. */
function begin(
	deps: IdentityRouteDeps,
	c: Context<SesEnv>,
	operation: Operation,
	identity: string,
): { identities: IdentityStore; region: string } {
	const caller = c.get("caller");
	authorize(deps.registry, caller, `ses:${operation}`, sesIdentityArn(caller, identity));
	const fault = deps.store.takeFault({ operation, awsAccountId: caller.accountId });
	if (fault !== undefined) throw new AwsError(fault.code, fault.status, fault.message);
	return {
		identities: deps.registry.regionState(caller.accountId, caller.region).identities,
		region: caller.region,
	};
}

/** restJson1 timestamps are epoch seconds. */
function epochSeconds(date: Date): number {
	return Math.floor(date.getTime() / 1000);
}
