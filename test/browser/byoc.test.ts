/**
 * BYOC in the dashboard, in Chromium, against the product started for real: a new user (no
 * Verification Request, free plan) opens AWS connection, connects the simulator's demo AWS
 * account with its access key, sees it connected with what SES answered, adds a BYOC domain,
 * publishes its records in the simulator's DNS (a customer identity: scoped to the AWS account
 * and region), verifies it, creates an API key and sends with it. The email arrives in the
 * simulator's inbox; the Emails page still shows none, because BYOC emails are not stored.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasBrowser, launchBrowser, linkInInbox, newEmail, product, signUp } from "./harness.ts";

/** simulator/app.ts DEMO_AWS_ACCOUNT, which the simulator creates when it starts. */
const DEMO_AWS = {
	accountId: "111111111111",
	accessKeyId: "AKIABYOCDEMO00000001",
	secretAccessKey: "byoc-demo-secret-not-for-production",
};
const REGION = "eu-west-1";

let browser: Browser;
beforeAll(async () => {
	if (hasBrowser) browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
});

describe.skipIf(!hasBrowser)("BYOC in the dashboard", () => {
	it("connects an AWS account, verifies a BYOC domain and sends through it, storing nothing", async () => {
		const page = await (await browser.newContext()).newPage();
		const email = await signUp(page, newEmail("byoc"));
		await page.goto(await linkInInbox(email, `${product.dashboardUrl}/verify-email?token=`));
		await page.getByText("Your email address is verified.").waitFor();

		// AWS connection, from the menu: the IAM role's setup first, then the form.
		await page.goto(`${product.dashboardUrl}/`);
		await page
			.getByRole("navigation", { name: "Main" })
			.getByRole("link", { name: "AWS connection" })
			.click();
		await page.getByRole("heading", { name: "AWS connection", level: 1 }).waitFor();
		await page.getByRole("region", { name: "Trust policy" }).waitFor();
		expect(await page.getByRole("region", { name: "Trust policy" }).textContent()).toContain(
			"sts:ExternalId",
		);
		await page.getByRole("region", { name: "Permissions policy" }).waitFor();
		await expect(page.getByLabel("SES region").inputValue()).resolves.toBe("us-east-1");

		await page.getByLabel("SES region").fill(REGION);
		await page.getByLabel("Access key", { exact: true }).check();
		await page.getByLabel("Access key id").fill(DEMO_AWS.accessKeyId);
		await page.getByLabel("Secret access key").fill(DEMO_AWS.secretAccessKey);
		expect(await page.getByLabel("Secret access key").getAttribute("type")).toBe("password");
		await page.getByRole("button", { name: "Test and save" }).click();

		// Connected, with what SES answered (the demo account has production access).
		await page.getByText("Connected and tested with SES.").waitFor();
		await page.getByText("connected", { exact: true }).waitFor();
		await page.getByText("Production access").waitFor();
		await page.getByText(/emails\/second/).waitFor();
		await page.getByText(`…${DEMO_AWS.accessKeyId.slice(-4)}`).waitFor();
		await expect(page.getByText(REGION, { exact: true }).count()).resolves.toBeGreaterThan(0);

		// A BYOC domain, with no Verification Request and no plan.
		const domain = `byoc-${Date.now()}.example.com`;
		await page.getByRole("link", { name: "add a BYOC domain" }).click();
		await page.getByLabel("BYOC (your AWS account)").check();
		await page.getByLabel("Domain", { exact: true }).fill(domain);
		await page.getByRole("button", { name: "Add BYOC domain" }).click();
		await page.waitForURL(/\/domains\/[0-9a-f-]{36}$/);
		await page.getByText(/identity lives in your own AWS account/).waitFor();

		// What the customer does at their DNS provider: publish the identity's records, which
		// live in the customer's SES account and region.
		const published = await fetch(`${product.simulatorUrl}/_simulator/domains/${domain}/publish`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ aws_account_id: DEMO_AWS.accountId, region: REGION }),
		});
		expect(published.status, await published.clone().text()).toBe(200);
		await page.getByRole("button", { name: "Verify ownership" }).click();
		await page
			.getByText(/ownership.*verified|verified.*ownership/i)
			.first()
			.waitFor();
		await page.getByRole("button", { name: "Verify DKIM" }).click();
		await page
			.getByText(/dkim.*verified|verified.*dkim/i)
			.first()
			.waitFor();

		// The Domains list says which path the domain sends through.
		await page.goto(`${product.dashboardUrl}/domains`);
		const row = page.getByRole("row").filter({ hasText: domain });
		await row.getByText("BYOC", { exact: true }).waitFor();

		await page.goto(`${product.dashboardUrl}/api-keys`);
		await page.getByLabel("Name").fill("BYOC app");
		await page.getByRole("button", { name: "Create API key" }).click();
		const shown = page.locator("div:has(> button[aria-label='Copy the new API key']) > code");
		const key = (await shown.textContent()) ?? "";
		expect(key).toMatch(/^sf_/);

		// The customer's application sends with the key, through their own SES.
		const to = `byoc-${Date.now()}@example.org`;
		const subject = `BYOC receipt ${Date.now()}`;
		const sent = await fetch(`${product.apiUrl}/emails`, {
			method: "POST",
			headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
			body: JSON.stringify({ from: `Shop <hello@${domain}>`, to, subject, text: "Thanks!" }),
		});
		expect(sent.status, await sent.clone().text()).toBe(200);

		// It arrived, sent by the customer's SES.
		let arrived = false;
		for (let i = 0; i < 75 && !arrived; i++) {
			const res = await fetch(
				`${product.simulatorUrl}/_simulator/messages?to=${encodeURIComponent(to)}`,
			);
			const { messages } = (await res.json()) as { messages: { subject: string }[] };
			arrived = messages.some((m) => m.subject === subject);
			if (!arrived) await new Promise((r) => setTimeout(r, 200));
		}
		expect(arrived).toBe(true);

		// Nothing of it is stored: the Emails page still has no email.
		await page.goto(`${product.dashboardUrl}/emails`);
		await page.getByRole("heading", { name: "Emails", level: 1 }).waitFor();
		await page
			.getByRole("status")
			.waitFor({ state: "detached" })
			.catch(() => {});
		await page
			.getByText(/no emails/i)
			.first()
			.waitFor();
		expect(await page.getByRole("link", { name: subject }).count()).toBe(0);
	});
});
