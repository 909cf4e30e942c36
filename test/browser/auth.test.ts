/**
 * Signing up, verifying the address from the mail, a session that ends and comes back to the
 * page the user was on, and a customer kept out of the staff pages: in Chromium, against the
 * whole product started for real (global-setup.ts).
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiAs } from "../../scripts/dashboard-tour.ts";
import { readyCustomer } from "./customer.ts";
import { hasBrowser, launchBrowser, linkInInbox, logIn, product, signUp } from "./harness.ts";

let browser: Browser;
beforeAll(async () => {
	if (hasBrowser) browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
});

describe.skipIf(!hasBrowser)("accounts in the dashboard", () => {
	it("signs up, verifies the email from the link in the mail, logs out and back in", async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		const email = await signUp(page);

		const link = await linkInInbox(email, `${product.dashboardUrl}/verify-email?token=`);
		await page.goto(link);
		await page.getByText("Your email address is verified.").waitFor();

		await page.goto(`${product.dashboardUrl}/`);
		await page.getByRole("button", { name: "Log out" }).click();
		await page.waitForURL(/\/login/);
		await logIn(page, email);
		await page.getByRole("navigation", { name: "Main" }).waitFor();
		await context.close();
	});

	it("an ended session returns to the login page, then back to where the user was", async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		const email = await signUp(page);
		await context.clearCookies();

		await page.goto(`${product.dashboardUrl}/api-keys`);
		await page.waitForURL(/\/login\?redirect=/);
		await logIn(page, email);
		await page.waitForURL(`${product.dashboardUrl}/api-keys`);
		await context.close();
	});

	it("a customer cannot open the staff pages, and sees no staff navigation", async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		await signUp(page);
		expect(await page.getByRole("link", { name: "Verification queue" }).count()).toBe(0);
		await page.goto(`${product.dashboardUrl}/staff/accounts`);
		await page.waitForURL(`${product.dashboardUrl}/`);
		await context.close();
	});

	it("a second customer sees none of the first one's data", async () => {
		const first = await readyCustomer(browser, "first");
		const domains = await apiAs(first.page, "GET", "/domains");
		const [domain] = (domains.json?.data ?? []) as { id: string; name: string }[];
		expect(domain?.name).toBe(first.domain);
		await apiAs(first.page, "POST", "/suppressions", { email: "secret@example.org" });

		const second = await (await browser.newContext()).newPage();
		await signUp(second);
		await second.goto(`${product.dashboardUrl}/domains/${domain?.id}`);
		await second
			.getByText(/not found/i)
			.first()
			.waitFor();
		await second.goto(`${product.dashboardUrl}/domains`);
		await second.waitForLoadState("networkidle");
		expect(await second.getByText(first.domain).count()).toBe(0);
		await second.goto(`${product.dashboardUrl}/suppressions`);
		await second.waitForLoadState("networkidle");
		expect(await second.getByText("secret@example.org").count()).toBe(0);
	});
});
