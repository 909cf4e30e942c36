/**
 * What SES's notifications do to an account, seen in the dashboard: a bounce puts the address
 * on the Suppressions page and the next send is refused until the customer removes it there;
 * a bounce rate over the limit suspends the account, the Overview says so with the figures,
 * and staff reinstating it lifts the banner.
 */
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readyCustomer, sendAs } from "./customer.ts";
import { hasBrowser, launchBrowser, product } from "./harness.ts";

let browser: Browser;
beforeAll(async () => {
	if (hasBrowser) browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
});

/** Reloads `path` until `find` shows (SES's notifications arrive a moment after the send). */
async function openUntil(page: Page, path: string, find: (page: Page) => Locator, seconds = 30) {
	for (let i = 0; i < seconds; i++) {
		await page.goto(`${product.dashboardUrl}${path}`);
		await page.waitForLoadState("networkidle");
		if (await find(page).first().isVisible()) return;
		await page.waitForTimeout(1000);
	}
	await find(page).first().waitFor();
}

describe.skipIf(!hasBrowser)("bounces and suspension in the dashboard", () => {
	it("a bounced address is suppressed, refused, and accepted again once removed in Suppressions", async () => {
		const customer = await readyCustomer(browser, "bounce");
		const address = "bounce@simulator.amazonses.com";
		expect((await sendAs(customer, address)).status).toBe(200);

		const { page } = customer;
		await openUntil(page, "/suppressions", (p) => p.getByRole("cell", { name: address }));
		expect(await sendAs(customer, address)).toMatchObject({
			status: 422,
			json: { name: "recipient_suppressed" },
		});

		const row = page.getByRole("row").filter({ hasText: address });
		await row.getByRole("button", { name: "Remove" }).click();
		await page.getByRole("dialog").getByRole("button", { name: "Remove address" }).click();
		await row.waitFor({ state: "detached" });
		expect((await sendAs(customer, address)).status).toBe(200);
	});

	it("a bounce rate over the limit shows the suspension banner with the figures until staff reinstate", async () => {
		const customer = await readyCustomer(browser, "suspend");
		// 50 recipients the guard counts (SendFleet's own simulator addresses), 3 of them bounce:
		// 6% against the 4% limit.
		const emails = Array.from({ length: 50 }, (_, i) => ({
			from: customer.from,
			to:
				i < 3 ? `bounce+${i}@simulator.sendfleet.test` : `delivered+${i}@simulator.sendfleet.test`,
			subject: `Receipt ${i}`,
			text: "Thanks!",
		}));
		const batch = await fetch(`${product.apiUrl}/emails/batch`, {
			method: "POST",
			headers: { authorization: `Bearer ${customer.apiKey}`, "content-type": "application/json" },
			body: JSON.stringify(emails),
		});
		expect(batch.status, await batch.clone().text()).toBe(200);

		const { page, staff } = customer;
		const heading = (p: Page) => p.getByRole("heading", { name: "Sending is suspended" });
		await openUntil(page, "/", heading, 100);
		const banner = page.locator("section[aria-labelledby='suspension-title']");
		await expect(banner.textContent()).resolves.toMatch(/bounce/i);
		expect((await sendAs(customer, "delivered@simulator.sendfleet.test")).status).toBe(403);

		await staff.goto(`${product.dashboardUrl}/staff/accounts/${customer.accountId}`);
		await staff.getByLabel("Reinstatement note").fill("Cleaned their list");
		await staff.getByRole("button", { name: "Reinstate" }).click();
		await staff
			.getByRole("dialog")
			.getByRole("button", { name: /Reinstate/ })
			.click();
		await staff.getByRole("dialog").waitFor({ state: "detached" });

		await page.goto(`${product.dashboardUrl}/`);
		await page.getByRole("heading", { name: "Overview" }).first().waitFor();
		expect(await heading(page).count()).toBe(0);
	});
});
