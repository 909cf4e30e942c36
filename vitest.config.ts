import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
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
				},
			},
		})),
	],
	test: {
		include: ["test/**/*.test.ts"],
		setupFiles: ["./test/helpers/setup.ts"],
	},
});
