import { readdirSync, readFileSync } from "node:fs";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig, defineProject } from "vitest/config";

/**
 * The real signed SNS messages and certificates in test/fixtures/sns (see test/fixtures/SOURCES.md),
 * which tests inside workerd cannot read from disk: the manifest plus every file's text keyed by its
 * path in that folder.
 */
function readSnsFixtures() {
	const root = new URL("./test/fixtures/sns/", import.meta.url);
	const read = (path: string) => readFileSync(new URL(path, root), "utf8");
	const files: Record<string, string> = {};
	for (const dir of ["messages/", "certs/", "doc-examples-unsigned/"])
		for (const name of readdirSync(new URL(dir, root))) files[dir + name] = read(dir + name);
	return { manifest: JSON.parse(read("manifest.json")), files };
}

/** SES's own notification examples (test/fixtures/ses-notifications), keyed by path. */
function readSesNotificationFixtures() {
	const root = new URL("./test/fixtures/ses-notifications/", import.meta.url);
	const files: Record<string, string> = {};
	for (const dir of ["event-publishing/", "identity-notifications/"])
		for (const name of readdirSync(new URL(dir, root)))
			files[dir + name] = readFileSync(new URL(dir + name, root), "utf8");
	return files;
}

/** The Worker's tests, inside workerd with wrangler's own D1, Queues and Durable Objects. */
const worker = defineProject({
	plugins: [
		cloudflareTest(async () => ({
			wrangler: { configPath: "./wrangler.toml" },
			miniflare: {
				bindings: {
					SES_ENDPOINT: "https://ses.simulator.test",
					DNS_RESOLVER_URL: "https://ses.simulator.test/dns-query",
					SES_MAX_SEND_RATE: "1000",
					AWS_ACCESS_KEY_ID: "AKIDSENDFLEETTEST",
					AWS_SECRET_ACCESS_KEY: "sendfleet-test-secret",
					TEST_MIGRATIONS: await readD1Migrations("./migrations"),
					TEST_SNS_FIXTURES: readSnsFixtures(),
					TEST_SES_NOTIFICATIONS: readSesNotificationFixtures(),
					SNS_TOPIC_ARNS: "arn:aws:sns:us-east-1:000000000000:sendfleet-ses-events",
					SNS_LOCAL_CERT_URL_PREFIX: "https://ses.simulator.test/sns/",
					STAFF_EMAILS: "staff@sendfleet.test",
					PLATFORM_ACCOUNT_ID: "00000000-0000-7000-8000-00000000f1a7",
					PLATFORM_FROM: "SendFleet <no-reply@platform.sendfleet.test>",
					// Billing talks to test/helpers/fake-stripe.ts at this origin.
					STRIPE_SECRET_KEY: "sk_test_sendfleet",
					STRIPE_WEBHOOK_SECRET: "whsec_test_sendfleet",
					STRIPE_PRICE_GROWTH: "price_growth_test",
					STRIPE_PRICE_PRO: "price_pro_test",
					STRIPE_API_URL: "https://stripe.fake.test",
					DASHBOARD_URL: "https://dashboard.sendfleet.test",
					WEBHOOK_SECRET_KEY: "c2VuZGZsZWV0LXRlc3Qtd2ViaG9vay1rZXktMzJieXQ=",
					// BYOC: STS on the simulator's origin, which stands for customers' AWS accounts.
					SENDFLEET_AWS_ACCOUNT_ID: "000000000000",
					STS_ENDPOINT: "https://ses.simulator.test/sts",
					BYOC_SECRET_KEY: "c2VuZGZsZWV0LXRlc3QtYnlvYy1rZXktMzItYnl0ZXM=",
				},
			},
		})),
	],
	test: {
		name: "worker",
		include: ["test/**/*.test.ts"],
		exclude: ["test/browser/**"],
		setupFiles: ["./test/helpers/setup.ts"],
	},
});

/**
 * The dashboard in a real browser: the whole product is started once (test/browser/
 * global-setup.ts) and each file drives Debian's Chromium against it, one file at a time.
 */
const browser = defineProject({
	test: {
		name: "browser",
		include: ["test/browser/**/*.test.ts"],
		environment: "node",
		globalSetup: ["./test/browser/global-setup.ts"],
		fileParallelism: false,
		testTimeout: 120_000,
		hookTimeout: 240_000,
	},
});

export default defineConfig({ test: { projects: [worker, browser] } });
