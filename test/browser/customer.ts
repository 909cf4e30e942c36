/**
 * A customer who can send, made the way the journey test makes one but through the API the
 * dashboard calls (faster, and the journey test already covers the clicks): signed up and
 * verified, approved by staff, paid for Pro on the local Checkout page, with a verified domain
 * and an API key.
 */
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import { apiAs, staffPage } from "../../scripts/dashboard-tour.ts";
import { linkInInbox, newEmail, product, signUp } from "./harness.ts";

export interface ReadyCustomer {
	page: Page;
	staff: Page;
	accountId: string;
	domain: string;
	apiKey: string;
	from: string;
}

async function ok(call: Promise<{ status: number; json: Record<string, unknown> | null }>) {
	const res = await call;
	expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
	return res.json ?? {};
}

export async function readyCustomer(browser: Browser, who: string): Promise<ReadyCustomer> {
	const page = await (await browser.newContext()).newPage();
	const email = await signUp(page, newEmail(who));
	await page.goto(await linkInInbox(email, `${product.dashboardUrl}/verify-email?token=`));
	await page.getByText("Your email address is verified.").waitFor();

	const session = await ok(apiAs(page, "GET", "/auth/session"));
	const accountId = String(session.account_id);
	const request = await ok(
		apiAs(page, "POST", "/account/verification-request", {
			use_case: "Order receipts and password resets for our shop customers",
			company_name: `${who} Co`,
			website: "https://example.com",
			expected_monthly_volume: 1000,
		}),
	);
	const staff = await staffPage(browser, product);
	await ok(
		apiAs(staff, "POST", `/staff/verification-requests/${String(request.id)}/approve`, {
			note: "Welcome",
		}),
	);

	const checkout = await ok(apiAs(page, "POST", "/billing/checkout", { plan: "pro" }));
	await page.goto(String(checkout.url));
	await page.getByRole("button", { name: /^Pay \$/ }).click();
	await page.waitForURL(/\/billing/);

	const domain = `${who}-${Date.now()}.example.com`;
	const created = await ok(apiAs(page, "POST", "/domains", { name: domain }));
	const published = await fetch(`${product.simulatorUrl}/_simulator/domains/${domain}/publish`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: "{}",
	});
	expect(published.status).toBe(200);
	await ok(apiAs(page, "POST", `/domains/${String(created.id)}/verify-ownership`));
	await ok(apiAs(page, "POST", `/domains/${String(created.id)}/verify-dkim`));
	const key = await ok(
		apiAs(page, "POST", "/api-keys", { name: "Tests", permission: "full_access" }),
	);
	return {
		page,
		staff,
		accountId,
		domain,
		apiKey: String(key.token),
		from: `Shop <hello@${domain}>`,
	};
}

/** POST /emails with the customer's key, as their application would. */
export async function sendAs(customer: ReadyCustomer, to: string) {
	const res = await fetch(`${product.apiUrl}/emails`, {
		method: "POST",
		headers: { authorization: `Bearer ${customer.apiKey}`, "content-type": "application/json" },
		body: JSON.stringify({ from: customer.from, to, subject: "Your receipt", text: "Thanks!" }),
	});
	return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
