/**
 * Production configuration fails safe: a deployment that forgot DASHBOARD_URL refuses billing
 * (rather than sending customers to a guessed address) and trusts no extra origin, the local SNS
 * prefix is matched on its origin, never as a bare string prefix, and wrangler.toml never points
 * billing at the simulator's Stripe stand-in, nor BYOC at the simulator's STS.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import type { Bindings } from "../src/env.ts";
import { isTrustedLocalUrl } from "../src/services/sns-verify.ts";
// @ts-expect-error Vite's `?raw` import (the file's text); the project declares no types for it.
import wranglerToml from "../wrangler.toml?raw";
import { createAccount } from "./helpers/factories.ts";
import { createSession } from "./helpers/sessions.ts";

const unset = { ...(env as Bindings), DASHBOARD_URL: "" } as Bindings;
const call = (request: Request) => createApp().fetch(request, unset, createExecutionContext());

describe("without DASHBOARD_URL", () => {
	it("billing answers 503 billing_not_configured instead of guessing a return address", async () => {
		const account = await createAccount({ plan: "free", subscriptionStatus: "none" });
		const session = await createSession(account.id);
		const res = await call(
			new Request("https://api.sendfleet.test/billing/checkout", {
				method: "POST",
				headers: {
					cookie: session.cookie,
					"x-csrf-token": session.csrf,
					"content-type": "application/json",
				},
				body: JSON.stringify({ plan: "growth" }),
			}),
		);
		expect(res.status).toBe(503);
		expect(await res.json()).toMatchObject({
			name: "billing_not_configured",
			message: expect.stringContaining("DASHBOARD_URL"),
		});
	});

	it("no other origin is allowed to write with the session cookie, loopback included", async () => {
		const account = await createAccount();
		const session = await createSession(account.id);
		const res = await call(
			new Request("https://api.sendfleet.test/api-keys", {
				method: "POST",
				headers: {
					cookie: session.cookie,
					"x-csrf-token": session.csrf,
					origin: "http://127.0.0.1:8787",
					"content-type": "application/json",
				},
				body: JSON.stringify({ name: "x" }),
			}),
		);
		expect(res.status).toBe(403);
		expect(((await res.json()) as { name: string }).name).toBe("csrf_rejected");
	});
});

describe("the local SNS URL prefix", () => {
	it("matches on the prefix's origin, not as a bare string prefix", () => {
		const prefixes = ["https://ses.simulator.test"];
		expect(isTrustedLocalUrl("https://ses.simulator.test/sns/confirm?x=1", prefixes)).toBe(true);
		expect(isTrustedLocalUrl("https://ses.simulator.test.evil.example/confirm", prefixes)).toBe(
			false,
		);
		expect(isTrustedLocalUrl("https://ses.simulator.test@evil.example/", prefixes)).toBe(false);
	});
});

describe("wrangler.toml", () => {
	// The tests and `npm start` set these to the Stripe stand-in; a deployment must not inherit it.
	/** Every value assigned to `name`, in any section, as written (quotes included). */
	const assigned = (name: string) =>
		[...(wranglerToml as string).matchAll(new RegExp(`^\\s*${name}\\s*=\\s*(.*?)\\s*$`, "gm"))].map(
			(m) => m[1],
		);

	it("leaves STRIPE_API_URL empty, so the Worker talks to Stripe itself", () => {
		expect(assigned("STRIPE_API_URL")).toEqual(['""']);
	});

	it("holds no Stripe secret and no price of the stand-in", () => {
		expect(assigned("STRIPE_SECRET_KEY")).toEqual([]);
		expect(assigned("STRIPE_WEBHOOK_SECRET")).toEqual([]);
		for (const price of [...assigned("STRIPE_PRICE_GROWTH"), ...assigned("STRIPE_PRICE_PRO")]) {
			expect(price).not.toMatch(/_local"$|_test"$/);
		}
	});

	it("leaves STS_ENDPOINT empty and holds no BYOC key, so BYOC talks to AWS itself", () => {
		expect(assigned("STS_ENDPOINT")).toEqual(['""']);
		expect(assigned("BYOC_SECRET_KEY")).toEqual([]);
	});
});
