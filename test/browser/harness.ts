/**
 * What browser tests share: the product started once by global-setup.ts, Debian's Chromium
 * driven by playwright-core, and the few steps every journey starts with.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { inject } from "vitest";
import { mailedLink } from "../../scripts/dashboard-tour.ts";
import { CHROMIUM, type ProductUrls } from "./global-setup.ts";

const provided = inject("product");
/** False without Chromium on this machine (global-setup.ts): `describe.skipIf(!hasBrowser)`. */
export const hasBrowser = provided !== null;
export const product = provided ?? ({} as ProductUrls);

let clients = 0;
/** Each test file runs in its own module instance: a random block keeps their clients apart. */
const block = Math.floor(Math.random() * 256);

/**
 * Chromium, each of whose contexts is a different client (its own `cf-connecting-ip`, which the
 * local stack passes through as Cloudflare's edge would set it). Every browser test signs people
 * up against one product, and the API allows ten sign-ups per client an hour: as one client,
 * the whole suite would run into that limit (as it did once the BYOC test was added).
 */
export async function launchBrowser(): Promise<Browser> {
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
	});
	const newContext = browser.newContext.bind(browser);
	browser.newContext = (options = {}) => {
		clients++;
		const ip = `10.${block}.${Math.floor(clients / 250)}.${(clients % 250) + 1}`;
		const extraHTTPHeaders = { "cf-connecting-ip": ip, ...options.extraHTTPHeaders };
		return newContext({ ...options, extraHTTPHeaders });
	};
	return browser;
}

let sequence = 0;
/** A fresh address per call, so tests sharing one product never collide. */
export const newEmail = (who = "owner") => `${who}-${Date.now()}-${++sequence}@example.org`;
export const PASSWORD = "correct horse battery staple";

/** Signs up through the dashboard's form; lands on the Overview. */
export async function signUp(page: Page, email = newEmail()) {
	// A script error in the dashboard shows in the test's output, not only as a timeout.
	page.on("pageerror", (error) => console.error(`page error at ${page.url()}: ${error.message}`));
	await page.goto(`${product.dashboardUrl}/signup`);
	await page.getByLabel("Email").fill(email);
	await page.getByLabel("Password").fill(PASSWORD);
	await page.getByRole("button", { name: "Sign up" }).click();
	await page.getByRole("navigation", { name: "Main" }).waitFor();
	return email;
}

export async function logIn(page: Page, email: string) {
	await page.getByLabel("Email").fill(email);
	await page.getByLabel("Password").fill(PASSWORD);
	await page.getByRole("button", { name: "Log in" }).click();
}

/** Waits for a mail to `to` in the simulator's inbox with a link starting with `prefix`. */
export const linkInInbox = (to: string, prefix: string) => mailedLink(product, to, prefix);
