/**
 * `npm run screenshots`: starts the product on free loopback ports (like the browser tests) and
 * photographs every page of the dashboard (scripts/dashboard-tour.ts) at 1440 and 375 px wide
 * into docs/screenshots/, for the README and for reviewing a change by eye.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startDashboard } from "./dashboard.ts";
import { prepareTour } from "./dashboard-tour.ts";
import { startLocalStack } from "./local-stack.ts";

const OUT = "docs/screenshots";
const port = Number(process.env.PORT ?? 8897);
const simulatorPort = Number(process.env.SIMULATOR_PORT ?? 8898);
const dashboardPort = Number(process.env.DASHBOARD_PORT ?? 8896);
const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
const state = mkdtempSync(join(tmpdir(), "sendfleet-screenshots-"));

const stack = await startLocalStack({
	port,
	simulatorPort,
	persistTo: state,
	quiet: true,
	vars: { DASHBOARD_URL: dashboardUrl },
});
const dashboard = await startDashboard({ apiUrl: stack.apiUrl, port: dashboardPort, quiet: true });
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
	args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
	mkdirSync(OUT, { recursive: true });
	const tour = await prepareTour(browser, { dashboardUrl, simulatorUrl: stack.simulatorUrl });
	for (const stop of tour.stops) {
		for (const [suffix, width] of [
			["", 1440],
			["-mobile", 375],
		] as const) {
			const page = await tour.open(stop);
			await page.setViewportSize({ width, height: 900 });
			await page.screenshot({ path: `${OUT}/${stop.name}${suffix}.png`, fullPage: true });
		}
		console.log(`${OUT}/${stop.name}.png`);
	}
} finally {
	await browser.close();
	await dashboard.stop();
	await stack.stop();
	rmSync(state, { recursive: true, force: true });
}
