/**
 * Production configuration fails safe: a deployment that forgot DASHBOARD_URL refuses billing
 * (rather than sending customers to a guessed address) and trusts no extra origin, and the
 * local SNS prefix is matched on its origin, never as a bare string prefix.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import type { Bindings } from "../src/env.ts";
import { isTrustedLocalUrl } from "../src/services/sns-verify.ts";
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
