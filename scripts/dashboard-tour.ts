/**
 * Every page of the dashboard, with the data it needs to show something: a customer with a
 * domain, a webhook endpoint and a suppression, and SendFleet's staff user. The accessibility
 * test (test/browser/accessibility.test.ts) checks each stop with axe-core, and
 * `npm run screenshots` (scripts/screenshots.ts) photographs each one into docs/screenshots/.
 */
import type { Browser, Page } from "playwright-core";

export const TOUR_PASSWORD = "correct horse battery staple";
/** STAFF_EMAILS of the local stack (scripts/demo-account.ts DEMO.staffEmail). */
export const STAFF_EMAIL = "staff@sendfleet.test";

export interface TourUrls {
	dashboardUrl: string;
	simulatorUrl: string;
}

export interface Stop {
	name: string;
	path: string;
	/** Whose session opens it. */
	as: "visitor" | "customer" | "staff";
}

/** Calls the API as the page's session, CSRF token included, as the dashboard itself does. */
export async function apiAs(
	page: Page,
	method: string,
	path: string,
	body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | null }> {
	return page.evaluate(
		async ({ method, path, body }) => {
			const session = (await (await fetch("/api/auth/session")).json()) as { csrf_token: string };
			const res = await fetch(`/api${path}`, {
				method,
				headers: { "content-type": "application/json", "x-csrf-token": session.csrf_token },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			return {
				status: res.status,
				json: (await res.json().catch(() => null)) as Record<string, unknown> | null,
			};
		},
		{ method, path, body },
	);
}

async function submitAuth(page: Page, urls: TourUrls, kind: "signup" | "login", email: string) {
	await page.goto(`${urls.dashboardUrl}/${kind}`);
	await page.getByLabel("Email").fill(email);
	await page.getByLabel("Password").fill(TOUR_PASSWORD);
	await page.getByRole("button", { name: kind === "signup" ? "Sign up" : "Log in" }).click();
}

/** Logs in as staff, signing up and following the mailed verification link the first time. */
export async function staffPage(browser: Browser, urls: TourUrls): Promise<Page> {
	const page = await (await browser.newContext()).newPage();
	await submitAuth(page, urls, "login", STAFF_EMAIL);
	const nav = page.getByRole("navigation", { name: "Main" });
	const failed = page.getByRole("alert");
	await Promise.race([nav.waitFor(), failed.waitFor()]);
	if (await nav.isVisible()) return page;
	await submitAuth(page, urls, "signup", STAFF_EMAIL);
	await nav.waitFor();
	const link = await mailedLink(urls, STAFF_EMAIL, `${urls.dashboardUrl}/verify-email?token=`);
	await page.goto(link);
	await page.getByText("Your email address is verified.").waitFor();
	return page;
}

/** Waits for a mail to `to` in the simulator's inbox with a link starting with `prefix`. */
export async function mailedLink(urls: TourUrls, to: string, prefix: string, timeoutMs = 15_000) {
	const pattern = new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^"\\s<>\\\\]*`);
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const res = await fetch(
			`${urls.simulatorUrl}/_simulator/messages?to=${encodeURIComponent(to)}`,
		);
		const found = JSON.stringify(await res.json()).match(pattern);
		if (found) return found[0];
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`no mail to ${to} with a link starting ${prefix} within ${timeoutMs} ms`);
}

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
	if (res.status >= 300) throw new Error(`API answered ${res.status}: ${JSON.stringify(res.json)}`);
	return res.json ?? {};
}

/**
 * A customer who can send, made through the API the dashboard calls: signed up and verified,
 * approved by staff, paid for Pro on the local Checkout page, with a verified domain and a key.
 */
export async function readyCustomer(
	browser: Browser,
	urls: TourUrls,
	who: string,
): Promise<ReadyCustomer> {
	const page = await (await browser.newContext()).newPage();
	const email = `${who}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.org`;
	await submitAuth(page, urls, "signup", email);
	await page.getByRole("navigation", { name: "Main" }).waitFor();
	await page.goto(await mailedLink(urls, email, `${urls.dashboardUrl}/verify-email?token=`));
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
	const staff = await staffPage(browser, urls);
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
	const published = await fetch(`${urls.simulatorUrl}/_simulator/domains/${domain}/publish`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: "{}",
	});
	if (!published.ok) throw new Error(`the simulator did not publish ${domain}'s records`);
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

/** A new customer with something on every page, and the pages to visit. */
export async function prepareTour(browser: Browser, urls: TourUrls) {
	const ready = await readyCustomer(browser, urls, "tour");
	const customer = ready.page;
	const accountId = ready.accountId;
	const domains = await apiAs(customer, "GET", "/domains");
	const domain = { json: ((domains.json?.data ?? []) as Record<string, unknown>[])[0] ?? null };
	const webhook = await apiAs(customer, "POST", "/webhooks", {
		endpoint: `${urls.simulatorUrl}/webhooks/receive/tour`,
		events: ["email.delivered", "email.bounced"],
	});
	await apiAs(customer, "POST", "/suppressions", { email: "unsubscribed@example.org" });
	const sent = await apiAs(customer, "POST", "/emails", {
		from: ready.from,
		to: "success@simulator.amazonses.com",
		subject: "Your receipt #1042",
		html: "<h1>Thanks for your order</h1><p>Your receipt is attached.</p>",
		text: "Thanks for your order",
	});
	await apiAs(customer, "POST", "/emails", {
		from: ready.from,
		to: "bounce@simulator.amazonses.com",
		subject: "Welcome aboard",
		text: "Hello",
	});
	const staff = ready.staff;

	const stops: Stop[] = [
		{ name: "login", path: "/login", as: "visitor" },
		{ name: "signup", path: "/signup", as: "visitor" },
		{ name: "overview", path: "/", as: "customer" },
		{ name: "verification-request", path: "/verification", as: "customer" },
		{ name: "billing", path: "/billing", as: "customer" },
		{ name: "domains", path: "/domains", as: "customer" },
		{ name: "domain-detail", path: `/domains/${String(domain.json?.id)}`, as: "customer" },
		{ name: "aws-connection", path: "/aws-connection", as: "customer" },
		{ name: "api-keys", path: "/api-keys", as: "customer" },
		{ name: "emails", path: "/emails", as: "customer" },
		{ name: "email-detail", path: `/emails/${String(sent.json?.id)}`, as: "customer" },
		{ name: "metrics", path: "/metrics", as: "customer" },
		{ name: "suppressions", path: "/suppressions", as: "customer" },
		{ name: "webhooks", path: "/webhooks", as: "customer" },
		{ name: "webhook-detail", path: `/webhooks/${String(webhook.json?.id)}`, as: "customer" },
		{ name: "guide-dns-records", path: "/guides/dns-records", as: "customer" },
		{ name: "guide-suspension", path: "/guides/suspension", as: "customer" },
		{ name: "staff-queue", path: "/staff", as: "staff" },
		{ name: "staff-accounts", path: "/staff/accounts", as: "staff" },
		{ name: "staff-account", path: `/staff/accounts/${accountId}`, as: "staff" },
	];
	const visitor = await (await browser.newContext()).newPage();
	const pages = { visitor, customer, staff };
	return {
		stops,
		/** Opens a stop in its user's page and waits until it has settled. */
		open: async (stop: Stop): Promise<Page> => {
			const page = pages[stop.as];
			await page.goto(`${urls.dashboardUrl}${stop.path}`);
			await page.waitForLoadState("networkidle");
			await page
				.getByRole("status")
				.waitFor({ state: "detached" })
				.catch(() => {});
			return page;
		},
	};
}
