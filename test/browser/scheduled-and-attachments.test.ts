/**
 * Attachments and scheduled sends in the dashboard, in Chromium, against the product started
 * for real: a customer's application sends one email with a small text file and one for "in 1
 * hour". The Emails log shows the paperclip and the schedule; the first email's page lists the
 * file, and its download link answers the bytes without a session; the second is rescheduled
 * (a bad time first, answered inline with the API's message), then canceled.
 *
 * Screenshots go to .scratch/screenshots/ (SENDFLEET_SCREENSHOTS to put them elsewhere), for
 * looking at the pages by eye.
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReadyCustomer, readyCustomer } from "./customer.ts";
import { hasBrowser, launchBrowser, product } from "./harness.ts";

const SHOTS = process.env.SENDFLEET_SCREENSHOTS ?? ".scratch/screenshots";
const FILE_TEXT = "Order 1042: two mugs, one teapot.\n";
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

let browser: Browser;
beforeAll(async () => {
	if (hasBrowser) browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
});

async function shoot(page: Page, name: string) {
	mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: join(SHOTS, `scheduled-and-attachments-${name}.png`) });
}

async function send(customer: ReadyCustomer, email: Record<string, unknown>) {
	const res = await fetch(`${product.apiUrl}/emails`, {
		method: "POST",
		headers: { authorization: `Bearer ${customer.apiKey}`, "content-type": "application/json" },
		body: JSON.stringify({
			from: customer.from,
			to: "delivered@simulator.sendfleet.test",
			text: "Thanks!",
			...email,
		}),
	});
	expect(res.status, await res.clone().text()).toBe(200);
	return ((await res.json()) as { id: string }).id;
}

async function getEmail(customer: ReadyCustomer, id: string) {
	const res = await fetch(`${product.apiUrl}/emails/${id}`, {
		headers: { authorization: `Bearer ${customer.apiKey}` },
	});
	return (await res.json()) as { scheduled_at: string | null; last_event: string };
}

/** axe-core's serious and critical findings on the page, as accessibility.test.ts counts them. */
async function seriousViolations(page: Page) {
	await page.addScriptTag({ path: axePath });
	const result = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run: () => Promise<AxeResult> } }).axe;
		return axe.run();
	});
	return result.violations
		.filter((v) => v.impact === "serious" || v.impact === "critical")
		.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

interface AxeResult {
	violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

/**
 * How the dashboard writes a time (formatDate, dashboard/src/components/ui/format.ts), in the
 * browser's own zone and locale.
 */
const shown = (page: Page, iso: string) =>
	page.evaluate(
		(at) => new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }),
		iso,
	);

describe.skipIf(!hasBrowser)("attachments and scheduled emails in the dashboard", () => {
	it("lists both, serves the file, and reschedules then cancels the scheduled one", async () => {
		const customer = await readyCustomer(browser, "files");
		const { page } = customer;
		await page.setViewportSize({ width: 1280, height: 900 });

		const withFile = await send(customer, {
			subject: "Your order with a packing list",
			attachments: [
				{ filename: "packing-list.txt", content: Buffer.from(FILE_TEXT).toString("base64") },
			],
		});
		const later = await send(customer, {
			subject: "A reminder for later",
			scheduled_at: "in 1 hour",
		});
		const firstTime = (await getEmail(customer, later)).scheduled_at;
		expect(firstTime).not.toBeNull();

		// The log: the paperclip with its count, and the schedule with its time.
		await page.goto(`${product.dashboardUrl}/emails`);
		const fileRow = page.getByRole("row").filter({ hasText: "Your order with a packing list" });
		const laterRow = page.getByRole("row").filter({ hasText: "A reminder for later" });
		await fileRow.waitFor();
		await laterRow.waitFor();
		await fileRow.getByText("1 attachment", { exact: true }).waitFor();
		await laterRow.getByText("scheduled", { exact: true }).first().waitFor();
		await laterRow.getByText(`for ${await shown(page, String(firstTime))}`).waitFor();
		await shoot(page, "list");
		expect(await seriousViolations(page)).toEqual([]);

		// The filter offers the new last events, and the API filters by them.
		await page.getByLabel("Last event", { exact: true }).selectOption("scheduled");
		await page.waitForURL(/last_event=scheduled/);
		await page.getByText("Showing 1 email matching the filters.").waitFor();
		await laterRow.waitFor();
		expect(await fileRow.count()).toBe(0);

		// The file: listed with its size, and its link answers the bytes with no session.
		await page.goto(`${product.dashboardUrl}/emails/${withFile}`);
		const files = page.getByRole("region", { name: "Attachments" });
		const fileLine = files.getByRole("row").filter({ hasText: "packing-list.txt" });
		await fileLine.waitFor();
		expect(await fileLine.textContent()).toContain(`${Buffer.byteLength(FILE_TEXT)} B`);
		expect(await fileLine.textContent()).toContain("Attachment");
		const href = await fileLine
			.getByRole("link", { name: "Download packing-list.txt" })
			.getAttribute("href");
		expect(href).toBeTruthy();
		await fileLine.scrollIntoViewIfNeeded();
		await shoot(page, "attachment");
		expect(await seriousViolations(page)).toEqual([]);
		const download = await fetch(new URL(String(href), product.dashboardUrl));
		expect(download.status).toBe(200);
		expect(await download.text()).toBe(FILE_TEXT);

		// The scheduled one: when it goes out, and the two things that can still be done.
		await page.goto(`${product.dashboardUrl}/emails/${later}`);
		const panel = page.getByRole("region", { name: /^Scheduled for/ });
		await panel.waitFor();
		expect(await panel.getByRole("heading").textContent()).toBe(
			`Scheduled for ${await shown(page, String(firstTime))}`,
		);
		await shoot(page, "scheduled");
		expect(await seriousViolations(page)).toEqual([]);
		await page.setViewportSize({ width: 375, height: 900 });
		await shoot(page, "scheduled-mobile");
		await page.setViewportSize({ width: 1280, height: 900 });

		// A time the API cannot read: its own message, inside the dialog.
		await panel.getByRole("button", { name: "Reschedule" }).click();
		const dialog = page.getByRole("dialog", { name: "Reschedule this email" });
		await dialog.getByLabel("Or in words").fill("whenever suits");
		await dialog.getByRole("button", { name: "Reschedule" }).click();
		const refusal = dialog.getByRole("alert");
		await refusal.waitFor();
		expect(await refusal.textContent()).toMatch(/scheduled_at/i);
		await shoot(page, "reschedule-error");
		expect(await seriousViolations(page)).toEqual([]);

		// Three hours later, picked in the browser's own time zone.
		const target = await page.evaluate(() => {
			const at = new Date(Date.now() + 3 * 3_600_000);
			at.setSeconds(0, 0);
			const pad = (n: number) => String(n).padStart(2, "0");
			return {
				local: `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`,
				iso: at.toISOString(),
			};
		});
		await dialog.getByLabel("Or in words").fill("");
		await dialog.getByLabel("New time").fill(target.local);
		await dialog.getByRole("button", { name: "Reschedule" }).click();
		await dialog.waitFor({ state: "detached" });
		const newHeading = `Scheduled for ${await shown(page, target.iso)}`;
		await page.getByRole("heading", { name: newHeading }).waitFor();
		expect(new Date(String((await getEmail(customer, later)).scheduled_at)).toISOString()).toBe(
			target.iso,
		);
		await shoot(page, "rescheduled");

		// Cancel, confirmed as every destructive action is.
		await panel.getByRole("button", { name: "Cancel email" }).click();
		const confirm = page.getByRole("dialog", { name: "Cancel this email?" });
		await confirm.getByRole("button", { name: "Cancel email" }).click();
		await confirm.waitFor({ state: "detached" });
		await page.getByText("Not sent.", { exact: true }).waitFor();
		expect(await panel.count()).toBe(0);
		expect((await getEmail(customer, later)).last_event).toBe("canceled");
		await shoot(page, "canceled");

		await page.goto(`${product.dashboardUrl}/emails`);
		await laterRow.getByText("canceled", { exact: true }).first().waitFor();
		await shoot(page, "list-after");
	});
});
