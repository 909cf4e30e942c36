/**
 * The product page's whole journey, in Chromium, against the product started for real: sign up
 * → Verification Request → staff approve (a second browser context) → the outcome mail in the
 * simulator's inbox → Billing → the local Checkout → Pro → Add Shared SES domain → the records
 * published in the simulator's DNS → Verify ownership → Verify DKIM → an API key → an email
 * sent with it → in Emails, first accepted, then sent, with its timeline. Counts the clicks
 * from approval to the first sent email (the aim is six or fewer).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staffPage } from "../../scripts/dashboard-tour.ts";
import { hasBrowser, launchBrowser, linkInInbox, newEmail, product, signUp } from "./harness.ts";

let browser: Browser;
beforeAll(async () => {
	if (hasBrowser) browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
});

/** Every click the customer makes after approval, counted. */
function counting() {
	let clicks = 0;
	return {
		click: async (locator: ReturnType<Page["locator"]>) => {
			clicks++;
			await locator.click();
		},
		get clicks() {
			return clicks;
		},
	};
}

describe.skipIf(!hasBrowser)("the product page's journey", () => {
	it("goes from sign-up to a sent email with its timeline, all in the dashboard", async () => {
		const customer = await (await browser.newContext()).newPage();
		const email = await signUp(customer, newEmail("journey"));
		const verifyLink = await linkInInbox(email, `${product.dashboardUrl}/verify-email?token=`);
		await customer.goto(verifyLink);
		await customer.getByText("Your email address is verified.").waitFor();

		// Step 1: the Verification Request.
		const company = `Journey Co ${Date.now()}`;
		await customer.goto(`${product.dashboardUrl}/verification`);
		await customer.getByLabel("What you send and to whom").fill("Receipts for our shop's orders");
		await customer.getByLabel("Company name").fill(company);
		await customer.getByLabel("Website").fill("https://journey.example.com");
		await customer.getByLabel("Expected emails per month").fill("5000");
		await customer.getByRole("button", { name: "Send Verification Request" }).click();
		await customer
			.getByText(/pending/i)
			.first()
			.waitFor();

		// Staff approve it from the queue, in their own browser context.
		const staff = await staffPage(browser, product);
		await staff.goto(`${product.dashboardUrl}/staff`);
		const card = staff.getByRole("listitem").filter({ hasText: company });
		await card.getByRole("button", { name: "Approve" }).click();
		// Decided, the request leaves the pending queue.
		await card.waitFor({ state: "detached" });
		// The owner is told by mail, through SendFleet's own sending path.
		await expect(mailTo(email, /approved/i)).resolves.toBe(true);

		// From here on, every click the customer makes is counted.
		const user = counting();
		await customer.goto(`${product.dashboardUrl}/billing`);
		await user.click(customer.getByRole("button", { name: "Choose Pro" }));
		await customer.waitForURL(/\/stripe\/checkout\//);
		await user.click(customer.getByRole("button", { name: /^Pay \$/ }));
		await customer.waitForURL(/\/billing/);
		await customer.getByText(/pro/i).first().waitFor();

		const domain = `journey-${Date.now()}.example.com`;
		await customer.goto(`${product.dashboardUrl}/domains`);
		await customer.getByLabel("Domain", { exact: true }).fill(domain);
		await user.click(customer.getByRole("button", { name: "Add Shared SES domain" }));
		await customer.waitForURL(/\/domains\/[0-9a-f-]{36}$/);
		// What the customer does at their DNS provider: publish every record.
		const published = await fetch(`${product.simulatorUrl}/_simulator/domains/${domain}/publish`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: "{}",
		});
		expect(published.status, await published.clone().text()).toBe(200);
		await user.click(customer.getByRole("button", { name: "Verify ownership" }));
		await customer
			.getByText(/ownership.*verified|verified.*ownership/i)
			.first()
			.waitFor();
		await user.click(customer.getByRole("button", { name: "Verify DKIM" }));
		await customer
			.getByText(/dkim.*verified|verified.*dkim/i)
			.first()
			.waitFor();

		await customer.goto(`${product.dashboardUrl}/api-keys`);
		await customer.getByLabel("Name").fill("Production");
		await user.click(customer.getByRole("button", { name: "Create API key" }));
		const shown = customer.locator("div:has(> button[aria-label='Copy the new API key']) > code");
		const key = (await shown.textContent()) ?? "";
		expect(key).toMatch(/^sf_/);

		// The customer's application sends with the key.
		const sent = await fetch(`${product.apiUrl}/emails`, {
			method: "POST",
			headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
			body: JSON.stringify({
				from: `Journey <hello@${domain}>`,
				to: "success@simulator.amazonses.com",
				subject: "Your first SendFleet email",
				html: "<p>It works.</p>",
			}),
		});
		expect(sent.status, await sent.clone().text()).toBe(200);
		const { id } = (await sent.json()) as { id: string };

		await customer.goto(`${product.dashboardUrl}/emails`);
		await customer.getByRole("link", { name: "Your first SendFleet email" }).waitFor();
		await customer.goto(`${product.dashboardUrl}/emails/${id}`);
		await waitForText(customer, /delivered/i);
		// Choose Pro, Pay, Add Shared SES domain, Verify ownership, Verify DKIM, Create API key;
		// moving between pages (three menu links) is not counted.
		console.log(`Clicks from approval to the first sent email: ${user.clicks}`);
		expect(user.clicks).toBeLessThanOrEqual(6);
	});
});

async function mailTo(to: string, subject: RegExp): Promise<boolean> {
	for (let i = 0; i < 75; i++) {
		const res = await fetch(
			`${product.simulatorUrl}/_simulator/messages?to=${encodeURIComponent(to)}`,
		);
		const { messages } = (await res.json()) as { messages: { subject: string }[] };
		if (messages.some((m) => subject.test(m.subject))) return true;
		await new Promise((r) => setTimeout(r, 200));
	}
	return false;
}

/** Reloads until the page shows the text (the email moves on as SES's notifications arrive). */
async function waitForText(page: Page, text: RegExp) {
	for (let i = 0; i < 30; i++) {
		if (await page.getByText(text).first().isVisible()) return;
		await page.waitForTimeout(1000);
		await page.reload();
	}
	await page.getByText(text).first().waitFor();
}
