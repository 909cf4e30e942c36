// The customer portal, at the `url` a portal session answers (`/stripe/portal/:id`): the
// customer's subscriptions and what Stripe's portal lets a customer do with them, each action
// posting the events Stripe would send to the Worker, then back to the page:
//   POST /stripe/portal/:id/subscriptions/:sub/plan           {price}: switch plan
//   POST /stripe/portal/:id/subscriptions/:sub/cancel         cancel now (a portal set to
//                                                             cancel immediately)
//   POST /stripe/portal/:id/subscriptions/:sub/fail-payment   the next renewal is declined:
//                                                             invoice.payment_failed, past_due
//   POST /stripe/portal/:id/subscriptions/:sub/pay            pay what is due: active again
// The last two are Stripe acting on its own, put here so a developer can make them happen.

import { type Context, Hono } from "hono";
import { escapeHtml, htmlResponse, page } from "../html.ts";
import type { StripeEvent } from "./events.ts";
import { bodyText } from "./form.ts";
import {
	button,
	cspAllowingRedirects,
	formatAmount,
	formatDate,
	navigable,
	refuseCrossSite,
	renderDeliveries,
	type StripePagesDeps,
} from "./page-kit.ts";
import type { StripePortalSession, StripeSubscription } from "./state.ts";

/** Statuses in which the portal still offers changes. */
const LIVE = new Set(["active", "trialing", "past_due", "unpaid", "incomplete"]);

const ACTIONS = ["plan", "cancel", "fail-payment", "pay"] as const;
type Action = (typeof ACTIONS)[number];

export function createPortalPageRoutes(deps: StripePagesDeps): Hono {
	const routes = new Hono();
	const { state } = deps;

	routes.get("/stripe/portal/:id", (c) => {
		const session = state.portalSessions.get(c.req.param("id"));
		if (!session) return notFound();
		return htmlResponse(renderPortal(deps, session), 200, cspAllowingRedirects([]));
	});

	routes.post("/stripe/portal/:id/subscriptions/:sub/:action", async (c) => {
		const refused = refuseCrossSite(c);
		if (refused !== null) return refused;
		const session = state.portalSessions.get(c.req.param("id"));
		const sub = state.subscriptions.get(c.req.param("sub"));
		// A portal session shows one customer's subscriptions and acts on nothing else.
		if (!session || !sub || sub.customer !== session.customer) return notFound();
		const action = c.req.param("action") as Action;
		if (!ACTIONS.includes(action)) return c.text("Unknown action.", 404);
		if (!LIVE.has(sub.status)) return c.text(`The subscription is ${sub.status}.`, 409);
		const events = await eventsFor(deps, c, sub, action);
		if (typeof events === "string") return c.text(events, 400);
		await deps.sender.send(events);
		return c.redirect(`/stripe/portal/${session.id}`, 303);
	});

	return routes;
}

async function eventsFor(
	deps: StripePagesDeps,
	c: Context,
	sub: StripeSubscription,
	action: Action,
): Promise<StripeEvent[] | string> {
	switch (action) {
		case "plan": {
			const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
			const form =
				type === "application/x-www-form-urlencoded"
					? new URLSearchParams(await bodyText(c.req.raw))
					: null;
			const priceId = form?.get("price") ?? "";
			if (!deps.prices.has(priceId)) return "Choose one of the prices the page lists.";
			if (priceId === sub.priceId) return "The subscription already has that price.";
			return [deps.actions.updateSubscription(sub.id, { priceId })];
		}
		case "cancel":
			return [deps.actions.cancelSubscription(sub.id)];
		case "fail-payment":
			return deps.actions.failPayment(sub.id);
		case "pay":
			return deps.actions.payOutstanding(sub.id);
	}
}

const notFound = () =>
	htmlResponse(page("Customer portal", "<h1>No such portal session</h1>"), 404);

function renderPortal(deps: StripePagesDeps, session: StripePortalSession): string {
	const customer = deps.state.customers.get(session.customer);
	const subscriptions = [...deps.state.subscriptions.values()]
		.filter((s) => s.customer === session.customer)
		.sort((a, b) => b.created - a.created);
	const back = navigable(session.returnUrl);
	const deliveries = deps.sender.deliveries().filter((d) => d.customer === session.customer);
	return page(
		"Customer portal",
		`<h1>Manage your subscription</h1>
<p class="muted">The simulator's stand-in for Stripe's customer portal (test mode).
Customer ${escapeHtml(customer?.name ?? "")} <code>${escapeHtml(session.customer)}</code>.</p>
${back === null ? "" : `<p><a href="${escapeHtml(back)}">← Return to SendFleet</a></p>`}
<h2>Subscriptions</h2>
${subscriptions.length === 0 ? "<p>No subscription.</p>" : subscriptions.map((s) => renderSubscription(deps, session, s)).join("\n")}
<h2>Events</h2>
${renderDeliveries(deliveries.slice(-20), deps.sender.endpoint)}`,
	);
}

function renderSubscription(
	deps: StripePagesDeps,
	session: StripePortalSession,
	sub: StripeSubscription,
): string {
	const price = deps.prices.get(sub.priceId);
	const base = `/stripe/portal/${session.id}/subscriptions/${sub.id}`;
	const statusClass = sub.status === "active" ? "ok" : LIVE.has(sub.status) ? "pending" : "muted";
	const actions = LIVE.has(sub.status)
		? [
				...[...deps.prices.values()]
					.filter((p) => p.id !== sub.priceId)
					.map((p) =>
						button(`${base}/plan`, `Switch to ${p.name} (${formatAmount(p)})`, { price: p.id }),
					),
				button(`${base}/cancel`, "Cancel subscription"),
				sub.status === "past_due"
					? button(`${base}/pay`, "Pay the open invoice")
					: button(`${base}/fail-payment`, "Make the next payment fail"),
			].join("\n")
		: "";
	const period =
		sub.canceledAt === null
			? `Current period ${formatDate(sub.currentPeriodStart)} to ${formatDate(sub.currentPeriodEnd)}`
			: `Canceled on ${formatDate(sub.canceledAt)}`;
	return `<h3>${escapeHtml(price?.name ?? sub.priceId)}, ${escapeHtml(formatAmount(price))}</h3>
<p><span class="${statusClass}">${escapeHtml(sub.status)}</span> · ${period} · <code>${escapeHtml(sub.id)}</code></p>
<p>${actions}</p>`;
}
