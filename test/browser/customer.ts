/**
 * A customer who can send (scripts/dashboard-tour.ts `readyCustomer`), and their application's
 * sends with its API key.
 */
import type { Browser } from "playwright-core";
import { readyCustomer as makeReady, type ReadyCustomer } from "../../scripts/dashboard-tour.ts";
import { product } from "./harness.ts";

export type { ReadyCustomer };

export const readyCustomer = (browser: Browser, who: string) => makeReady(browser, product, who);

/** POST /emails with the customer's key, as their application would. */
export async function sendAs(customer: ReadyCustomer, to: string) {
	const res = await fetch(`${product.apiUrl}/emails`, {
		method: "POST",
		headers: { authorization: `Bearer ${customer.apiKey}`, "content-type": "application/json" },
		body: JSON.stringify({ from: customer.from, to, subject: "Your receipt", text: "Thanks!" }),
	});
	return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
