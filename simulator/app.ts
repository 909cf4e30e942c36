// The SES simulator: one Hono app standing in for Amazon SES in tests (imported in-process, inside
// workerd) and in local development (served by server.ts). Web-standard APIs only, so it runs in
// both. Each concern mounts its own routes here:
//   SES v2, SigV4: SendEmail, email identities,     routes/send-email.ts, routes/identities.ts,
//     GetAccount                                     routes/account.ts
//   SES v1 Query API, SigV4: the `_amazonses` token  routes/query-api.ts
//   STS AssumeRole (customers' roles)                routes/sts.ts
//   AWS accounts: the platform's and customers'      aws-accounts.ts, aws-auth.ts, aws.ts
//     (BYOC), controls (JSON) and page (HTML)        routes/aws-controls.ts, routes/aws-page.ts
//   DNS-over-HTTPS over the simulated DNS            routes/doh.ts
//   controls: faults, DNS and domains (JSON)         routes/faults.ts, routes/domain-controls.ts
//   pages: inbox and domains (HTML)                  routes/inbox.ts, routes/domains-page.ts
//   SNS: the signing certificate, SubscribeURL      routes/sns.ts
//   a webhook receiver for the Worker's deliveries   routes/webhooks.ts (webhook-receiver.ts)
//   a file host for attachments given by `path`      routes/files.ts
//   Stripe: its API at /v1, Checkout and portal pages under /stripe, events to /hooks/stripe
//                                                    stripe/index.ts
// and, after every accepted SendEmail, the SES events of its recipients posted as signed SNS
// messages to the Worker (sns/, ses-events.ts).

import { Hono } from "hono";
import { createAws, type SimulatorAws } from "./aws.ts";
import { AwsControlError, createAwsRegistry } from "./aws-accounts.ts";
import { requireCaller, type SesEnv } from "./aws-auth.ts";
import { AwsError, awsErrorResponse } from "./aws-error.ts";
import { createDnsStore } from "./dns.ts";
import {
	createDomainControls,
	DomainControlError,
	type SimulatorDns,
	type SimulatorDomains,
} from "./domain-controls.ts";
import { type FaultInput, type FaultRule, parseFault } from "./faults.ts";
import { createIdentityStore } from "./identities.ts";
import { createAccountRoutes } from "./routes/account.ts";
import { createAwsControlRoutes } from "./routes/aws-controls.ts";
import { createAwsPageRoutes } from "./routes/aws-page.ts";
import { createDohRoutes } from "./routes/doh.ts";
import { createDomainControlRoutes } from "./routes/domain-controls.ts";
import { createDomainsPageRoutes } from "./routes/domains-page.ts";
import { createFaultRoutes } from "./routes/faults.ts";
import { createFileRoutes } from "./routes/files.ts";
import { createIdentityRoutes } from "./routes/identities.ts";
import { createInboxRoutes } from "./routes/inbox.ts";
import { createQueryApiRoutes } from "./routes/query-api.ts";
import { createSendEmailRoutes } from "./routes/send-email.ts";
import { createSnsRoutes } from "./routes/sns.ts";
import { createStsRoutes } from "./routes/sts.ts";
import { createWebhookRoutes } from "./routes/webhooks.ts";
import type { Credentials } from "./sigv4.ts";
import { createSnsPublisher } from "./sns/index.ts";
import type { SimulatorSns, SnsOptions } from "./sns/types.ts";
import { createStore, type SimulatorStore } from "./store.ts";
import {
	createStripeStandIn,
	type StripeStandIn,
	type StripeStandInOptions,
} from "./stripe/index.ts";
import { createWebhookReceiver, type SimulatorWebhooks } from "./webhook-receiver.ts";

export type { ContentDisposition, SentAttachment } from "./attachments.ts";
export type {
	AssumeRoleCall,
	AwsAccountView,
	CreateAccountInput,
	SimulatorAws,
} from "./aws.ts";
export { PLATFORM_ACCOUNT_ID } from "./aws-accounts.ts";
export type { DnsFailureMode, DnsRecord } from "./dns.ts";
export type { IdentityScope, SimulatorDns, SimulatorDomains } from "./domain-controls.ts";
export type { RecordCheck, RecordKind, RequiredRecord } from "./domain-records.ts";
export type { FaultInput, FaultOperation, FaultRule } from "./faults.ts";
export type { DomainView } from "./identities.ts";
export {
	type RecipientOutcome,
	SENDFLEET_SIMULATOR_DOMAIN,
	SES_MAILBOX_SIMULATOR_DOMAIN,
	SIMULATOR_ADDRESSES,
	type SimulatorAddress,
} from "./mailbox-simulator.ts";
export type { Credentials } from "./sigv4.ts";
export type {
	SnsConfirmationMessage,
	SnsMessage,
	SnsNotificationMessage,
	UnsignedSnsMessage,
} from "./sns/messages.ts";
export type {
	FlushResult,
	PendingNotification,
	SentNotification,
	SimulatorSns,
	SnsAttempt,
	SnsOptions,
	SnsOutcome,
	SubscriptionState,
} from "./sns/types.ts";
export type {
	NameValue,
	SentMessage,
	SimulatorStore,
	SvixHeaders,
	Verification,
	WebhookDelivery,
} from "./store.ts";
export {
	LOCAL_STRIPE_PRICE_GROWTH,
	LOCAL_STRIPE_PRICE_PRO,
	LOCAL_STRIPE_PRICES,
	LOCAL_STRIPE_SECRET_KEY,
	LOCAL_STRIPE_WEBHOOK_SECRET,
	type StripeStandIn,
	type StripeStandInOptions,
} from "./stripe/index.ts";
export type { ReceiverView, SimulatorWebhooks } from "./webhook-receiver.ts";
export type { ReceiverConfigInput, ReceiverFailure } from "./webhook-receiver-config.ts";

/**
 * The customer account `npm start` creates (server.ts), in production, with fixed credentials so
 * a developer can paste them into the dashboard's BYOC settings. Not a real AWS key.
 */
export const DEMO_AWS_ACCOUNT = {
	accountId: "111111111111",
	accessKeyId: "AKIABYOCDEMO00000001",
	secretAccessKey: "byoc-demo-secret-not-for-production",
} as const;

export interface SesSimulatorOptions {
	/**
	 * The platform account's key pair: when set, only it signs as the platform (checked);
	 * otherwise any key no customer account owns is accepted as the platform's.
	 */
	credentials?: Credentials;
	/** The region requests must be scoped to; default us-east-1. */
	region?: string;
	/**
	 * The simulator's clock (message times, ids, signature expiry, the 72-hour verification
	 * window); default the real clock. Tests move it forward to see identities fail.
	 */
	now?: () => Date;
	/** Messages kept before the oldest are dropped; default 10,000. */
	maxMessages?: number;
	/** Webhook deliveries kept before the oldest are dropped; default 10,000. */
	maxWebhookDeliveries?: number;
	/**
	 * The simulator's origin as the Worker reaches it; the SNS SigningCertURL and SubscribeURL
	 * are built on it. Default `http://127.0.0.1:8788` (the server sets its own).
	 */
	publicUrl?: string;
	/** The SNS topic and where its messages go; without an endpoint they are only recorded. */
	sns?: SnsOptions;
	/** The Stripe stand-in's secrets, prices and webhook endpoint; its pages are on `publicUrl`. */
	stripe?: Omit<StripeStandInOptions, "publicUrl">;
}

export interface SesSimulator {
	fetch(request: Request): Promise<Response>;
	store: SimulatorStore;
	/**
	 * The next `times` (default 1) matching calls fail with this error: SendEmail unless
	 * `match.operation` names another SES operation.
	 */
	addFault(fault: FaultInput): FaultRule;
	/** The customer's DNS, as SES and the DNS-over-HTTPS endpoint see it. */
	dns: SimulatorDns;
	/** The SES domain identities with their records and statuses. */
	domains: SimulatorDomains;
	/** The AWS accounts: the platform's and customers' (BYOC), their keys, roles and SES state. */
	aws: SimulatorAws;
	/** The SNS topic SES publishes to, and the subscription posting to the Worker. */
	sns: SimulatorSns;
	/** The receiver standing in for customers' webhook endpoints (`/webhooks/receive/:name`). */
	webhooks: SimulatorWebhooks;
	/** Stripe's API, Checkout and portal, posting its events to the Worker (stripe/index.ts). */
	stripe: StripeStandIn;
	region: string;
}

const DEFAULT_PUBLIC_URL = "http://127.0.0.1:8788";

export function createSesSimulator(options: SesSimulatorOptions = {}): SesSimulator {
	const region = options.region ?? "us-east-1";
	const now = options.now ?? (() => new Date());
	const store = createStore({
		maxMessages: options.maxMessages,
		maxWebhookDeliveries: options.maxWebhookDeliveries,
	});
	const identities = createIdentityStore();
	const dnsStore = createDnsStore();
	const registry = createAwsRegistry({ identities, region });
	const aws = createAws({ registry, store, dns: dnsStore, now });
	const controls = createDomainControls({ registry, dns: dnsStore, now });
	const credentials = options.credentials;
	const publicUrl = options.publicUrl ?? DEFAULT_PUBLIC_URL;
	const webhooks = createWebhookReceiver({ store, now, publicUrl });
	const sns = createSnsPublisher(options.sns ?? {}, {
		region,
		publicUrl,
		now,
		// A message has at most a few events (delivery, bounce, complaint…).
		maxRecords: 4 * (options.maxMessages ?? 10_000),
	});
	const stripe = createStripeStandIn({ ...options.stripe, publicUrl });

	const app = new Hono<SesEnv>();
	app.use("/v2/*", requireCaller(registry, { region, service: "ses", credentials, now }));
	app.route(
		"/",
		createSendEmailRoutes({ store, now, registry, dns: dnsStore, onAccepted: sns.enqueueMessage }),
	);
	app.route("/", createIdentityRoutes({ store, registry, dns: dnsStore, now }));
	app.route("/", createAccountRoutes({ store, registry, now }));
	app.route(
		"/",
		createQueryApiRoutes({ store, registry, dns: dnsStore, region, now, credentials }),
	);
	app.route(
		"/",
		createStsRoutes({ store, registry, now, credentials, calls: aws.assumeRoleCalls }),
	);
	app.route("/", createAwsControlRoutes(aws));
	app.route(
		"/",
		createAwsPageRoutes({ aws, region, platformKeyId: credentials?.accessKeyId ?? null }),
	);
	app.route("/", createDohRoutes(dnsStore));
	app.route("/", createFaultRoutes(store));
	app.route("/", createDomainControlRoutes(controls));
	app.route("/", createDomainsPageRoutes(controls));
	app.route("/", createSnsRoutes(sns));
	app.route("/", createInboxRoutes(store, sns));
	app.route("/", createWebhookRoutes(webhooks));
	app.route("/", createFileRoutes());
	// The stand-in answers in Stripe's formats (its own errors and 404s), so it gets the request whole.
	app.all("/v1/*", (c) => stripe.fetch(c.req.raw));
	app.all("/stripe/*", (c) => stripe.fetch(c.req.raw));

	app.notFound((c) => {
		if (c.req.path.startsWith("/v2/")) {
			return awsErrorResponse(
				"UnknownOperationException",
				404,
				`The SES simulator does not implement ${c.req.method} ${c.req.path}.`,
			);
		}
		return c.text("Not found", 404);
	});

	app.onError((error, c) => {
		if (error instanceof AwsError) return awsErrorResponse(error.code, error.status, error.message);
		if (error instanceof DomainControlError) return c.json({ error: error.message }, error.status);
		if (error instanceof AwsControlError) return c.json({ error: error.message }, error.status);
		console.error("SES simulator: unexpected error", error);
		return awsErrorResponse("InternalFailure", 500, "The SES simulator failed unexpectedly.");
	});

	return {
		fetch: async (request) => app.fetch(request),
		store,
		addFault(fault) {
			const rule = parseFault(fault);
			store.addFault(rule);
			return rule;
		},
		dns: controls.dns,
		domains: controls.domains,
		aws,
		sns: {
			topicArn: sns.topicArn,
			certUrl: sns.certUrl,
			endpoint: sns.endpoint,
			certificatePem: sns.certificatePem,
			sign: sns.sign,
			publish: sns.publish,
			subscribe: sns.subscribe,
			subscription: sns.subscription,
			flush: sns.flush,
			pending: sns.pending,
			sent: sns.sent,
			resume: sns.resume,
			stop: sns.stop,
			clear: sns.clear,
		},
		webhooks: {
			configure: webhooks.configure,
			receiver: webhooks.receiver,
			receivers: webhooks.receivers,
			remove: webhooks.remove,
			deliveries: webhooks.deliveries,
			delivery: webhooks.delivery,
			clearDeliveries: webhooks.clearDeliveries,
		},
		stripe,
		region,
	};
}
