/**
 * axe-core on every page of the dashboard (scripts/dashboard-tour.ts), at a desktop and a
 * phone width: no serious or critical violation anywhere.
 */
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareTour } from "../../scripts/dashboard-tour.ts";
import { hasBrowser, launchBrowser, product } from "./harness.ts";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

let browser: Browser;
let tour: Awaited<ReturnType<typeof prepareTour>>;
beforeAll(async () => {
	if (!hasBrowser) return;
	browser = await launchBrowser();
	tour = await prepareTour(browser, product);
});
afterAll(async () => {
	await browser?.close();
});

async function seriousViolations(page: Page) {
	await page.addScriptTag({ path: axePath });
	const result = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run: () => Promise<AxeResult> } }).axe;
		return axe.run();
	});
	return result.violations
		.filter((v) => v.impact === "serious" || v.impact === "critical")
		.map(
			(v) =>
				`${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
		);
}

interface AxeResult {
	violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

describe.skipIf(!hasBrowser)("accessibility", () => {
	it("every page has no serious or critical axe-core violation, at 1440 and 375 px", async () => {
		const found: string[] = [];
		for (const width of [1440, 375]) {
			for (const stop of tour.stops) {
				const page = await tour.open(stop);
				await page.setViewportSize({ width, height: 900 });
				for (const violation of await seriousViolations(page)) {
					found.push(`${stop.name} @${width}px: ${violation}`);
				}
			}
		}
		expect(found).toEqual([]);
	});
});
