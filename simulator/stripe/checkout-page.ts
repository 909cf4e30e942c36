// The Checkout page, at the `url` a Checkout Session answers (`/stripe/checkout/:id`):
//   GET  /stripe/checkout/:id           the plan, its price and the buttons
//   POST /stripe/checkout/:id/pay       pays: the subscription is created and Stripe's events
//                                       are posted to the Worker, then 303 to `success_url`
//   POST /stripe/checkout/:id/decline   a declined card: the page again, with Stripe's message,
//                                       and nothing changes (as on Stripe's page)
// "Cancel" is a link to `cancel_url`, as Stripe's back arrow is. When the Worker refuses an
// event, Pay shows the answers instead of redirecting, so a wrong webhook secret is seen here.

import { Hono } from "hono";
import { escapeHtml, htmlResponse, page } from "../html.ts";
import type { EventDelivery } from "./events.ts";
import {
	allTaken,
	button,
	cspAllowingRedirects,
	formatAmount,
	navigable,
	refuseCrossSite,
	renderDeliveries,
	type StripePagesDeps,
} from "./page-kit.ts";
import type { StripeCheckoutSession } from "./state.ts";

export function createCheckoutPageRoutes(deps: StripePagesDeps): Hono {
	const routes = new Hono();
	const { state } = deps;

	const show = (session: StripeCheckoutSession, notice: string | null) =>
		htmlResponse(
			renderCheckout(deps, session, notice),
			200,
			cspAllowingRedirects([session.successUrl, session.cancelUrl]),
		);

	routes.get("/stripe/checkout/:id", (c) => {
		const session = state.checkoutSessions.get(c.req.param("id"));
		return session ? show(session, null) : notFound();
	});

	routes.post("/stripe/checkout/:id/decline", (c) => {
		const refused = refuseCrossSite(c);
		if (refused !== null) return refused;
		const session = state.checkoutSessions.get(c.req.param("id"));
		if (!session) return notFound();
		return show(session, session.status === "open" ? "Your card was declined." : null);
	});

	routes.post("/stripe/checkout/:id/pay", async (c) => {
		const refused = refuseCrossSite(c);
		if (refused !== null) return refused;
		const session = state.checkoutSessions.get(c.req.param("id"));
		if (!session) return notFound();
		if (session.status !== "open") return show(session, null);
		const completion = deps.actions.completeCheckout(session.id);
		const deliveries = await deps.sender.send(completion.events);
		const success = navigable(
			session.successUrl?.replaceAll("{CHECKOUT_SESSION_ID}", session.id) ?? null,
		);
		if (success !== null && allTaken(deliveries)) return c.redirect(success, 303);
		return htmlResponse(
			renderPaid(deps, success, deliveries),
			200,
			cspAllowingRedirects([session.successUrl]),
		);
	});

	return routes;
}

const notFound = () => htmlResponse(page("Checkout", "<h1>No such Checkout Session</h1>"), 404);

function renderCheckout(
	deps: StripePagesDeps,
	session: StripeCheckoutSession,
	notice: string | null,
): string {
	const price = deps.prices.get(session.priceId);
	const customer = deps.state.customers.get(session.customer);
	const cancel = navigable(session.cancelUrl);
	const back =
		cancel === null ? "" : `<p><a href="${escapeHtml(cancel)}">← Cancel and go back</a></p>`;
	const body =
		session.status === "open"
			? `${notice === null ? "" : `<p class="warn bad">${escapeHtml(notice)}</p>`}
<p>${button(`/stripe/checkout/${session.id}/pay`, `Pay ${formatAmount(price)}`)}
${button(`/stripe/checkout/${session.id}/decline`, "Pay with a declined card")}</p>
${back}`
			: `<p class="ok">Paid.</p>${linkTo(session.successUrl?.replaceAll("{CHECKOUT_SESSION_ID}", session.id) ?? null)}`;
	return page(
		"Checkout",
		`<h1>Subscribe to ${escapeHtml(price?.name ?? session.priceId)}</h1>
<p class="muted">The simulator's stand-in for Stripe Checkout (test mode: no card, no money).</p>
<dl>
<dt>Plan</dt><dd>${escapeHtml(price?.name ?? session.priceId)} (<code>${escapeHtml(session.priceId)}</code>)</dd>
<dt>Price</dt><dd>${escapeHtml(formatAmount(price))}</dd>
<dt>Customer</dt><dd>${escapeHtml(customer?.name ?? "")} <code>${escapeHtml(session.customer)}</code></dd>
<dt>Session</dt><dd><code>${escapeHtml(session.id)}</code></dd>
</dl>
${body}`,
	);
}

function renderPaid(
	deps: StripePagesDeps,
	success: string | null,
	deliveries: EventDelivery[],
): string {
	const taken = allTaken(deliveries);
	return page(
		"Checkout",
		`<h1>Paid</h1>
${taken ? "" : '<p class="warn">The Worker did not take every event, so its account may not show the subscription yet.</p>'}
${renderDeliveries(deliveries, deps.sender.endpoint)}
${linkTo(success)}`,
	);
}

function linkTo(url: string | null): string {
	const target = navigable(url);
	return target === null
		? ""
		: `<p><a href="${escapeHtml(target)}">Continue to ${escapeHtml(target)}</a></p>`;
}
