/**
 * Starts the whole product once for every browser test file, for real on free loopback ports:
 * wrangler dev with a fresh state folder (D1, Queues, Durable Objects, cron), the simulator
 * (SES, SNS, DNS, Stripe, webhook receiver) and the built dashboard behind its `/api` proxy.
 * Test files get the addresses through `inject("product")` and stop nothing themselves.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startDashboard } from "../../scripts/dashboard.ts";
import { startLocalStack } from "../../scripts/local-stack.ts";

export interface ProductUrls {
	dashboardUrl: string;
	apiUrl: string;
	simulatorUrl: string;
	/** The demo account's key (approved, Pro, verified domain acme.test). */
	demoApiKey: string;
}

declare module "vitest" {
	export interface ProvidedContext {
		/** Null when there is no Chromium here: the browser tests are skipped, saying why. */
		product: ProductUrls | null;
	}
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() =>
				typeof address === "object" && address
					? resolve(address.port)
					: reject(new Error("no port")),
			);
		});
	});
}

export default async function setup(project: TestProject) {
	if (!existsSync(CHROMIUM)) {
		// CI installs Chromium and sets this, so there a missing browser fails instead.
		if (process.env.SENDFLEET_REQUIRE_BROWSER) throw new Error(`No Chromium at ${CHROMIUM}.`);
		console.warn(
			`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`,
		);
		project.provide("product", null);
		return;
	}
	const [port, simulatorPort, dashboardPort] = [
		await freePort(),
		await freePort(),
		await freePort(),
	];
	const state = mkdtempSync(join(tmpdir(), "sendfleet-browser-"));
	const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
	const stack = await startLocalStack({
		port,
		simulatorPort,
		persistTo: state,
		// SENDFLEET_BROWSER_LOGS=1 shows wrangler's log (every request and queue batch).
		quiet: !process.env.SENDFLEET_BROWSER_LOGS,
		vars: { DASHBOARD_URL: dashboardUrl },
	});
	const dashboard = await startDashboard({
		apiUrl: stack.apiUrl,
		port: dashboardPort,
		quiet: true,
	});
	project.provide("product", {
		dashboardUrl,
		apiUrl: stack.apiUrl,
		simulatorUrl: stack.simulatorUrl,
		demoApiKey: stack.apiKey,
	});
	return async () => {
		await dashboard.stop();
		await stack.stop();
		rmSync(state, { recursive: true, force: true });
	};
}
