/**
 * The demo account's webhook endpoint, pointed at the simulator's receiver `demo`, which a
 * local stack started with `demoWebhook` (`npm start`) sets up once the Worker answers: so
 * webhook deliveries can be watched locally without creating an endpoint by hand.
 */
import type { SimulatorServer } from "../simulator/server.ts";
import { WEBHOOK_EVENT_TYPES } from "../src/domain/webhooks.ts";

/** The simulator receiver the demo account's webhook endpoint points at. */
export const DEMO_RECEIVER = "demo";

export type DemoWebhook =
	| { kind: "connected"; id: string; created: boolean; status: string; receiverUrl: string }
	| { kind: "skipped"; why: string };

/**
 * Idempotent: reuses the demo account's endpoint already pointing at the receiver (a restart
 * keeps wrangler's D1), or creates one for every `email.*` event type the API accepts, then gives
 * the receiver the endpoint's signing secret. Skips, saying why, while the API has no
 * `POST /webhooks` (it is being built) or refuses the endpoint.
 */
export async function connectDemoWebhook(
	apiUrl: string,
	apiKey: string,
	simulator: SimulatorServer,
): Promise<DemoWebhook> {
	const receiverUrl = `${simulator.url}/webhooks/receive/${DEMO_RECEIVER}`;
	const call = async (method: string, path: string, body?: unknown) => {
		const response = await fetch(`${apiUrl}${path}`, {
			method,
			headers: {
				authorization: `Bearer ${apiKey}`,
				...(body === undefined ? {} : { "content-type": "application/json" }),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const json: unknown = await response.json().catch(() => null);
		return { status: response.status, json: (json ?? {}) as Record<string, unknown> };
	};
	const refused = (what: string, answer: { status: number; json: Record<string, unknown> }) => ({
		kind: "skipped" as const,
		why: `${what} answered ${answer.status}${typeof answer.json.message === "string" ? `: ${answer.json.message}` : ""}`,
	});

	let existing: { id: string; status: string } | undefined;
	let after: string | undefined;
	for (let page = 0; page < 10 && existing === undefined; page++) {
		const list = await call("GET", `/webhooks?limit=100${after ? `&after=${after}` : ""}`);
		if (list.status === 404) return { kind: "skipped", why: "the API has no GET /webhooks yet" };
		if (list.status !== 200) return refused("GET /webhooks", list);
		const data = (list.json.data ?? []) as { id: string; endpoint: string; status: string }[];
		existing = data.find((w) => w.endpoint === receiverUrl);
		after = data.at(-1)?.id;
		if (list.json.has_more !== true || after === undefined) break;
	}

	let id: string;
	let secret: unknown;
	let status = "enabled";
	if (existing === undefined) {
		const created = await call("POST", "/webhooks", {
			endpoint: receiverUrl,
			events: WEBHOOK_EVENT_TYPES.filter((type) => type.startsWith("email.")),
		});
		if (created.status === 404)
			return { kind: "skipped", why: "the API has no POST /webhooks yet" };
		if (created.status !== 201 && created.status !== 200) return refused("POST /webhooks", created);
		id = String(created.json.id);
		secret = created.json.signing_secret;
	} else {
		id = existing.id;
		status = existing.status;
		const got = await call("GET", `/webhooks/${id}`);
		if (got.status !== 200) return refused(`GET /webhooks/${id}`, got);
		secret = got.json.signing_secret;
	}
	if (typeof secret !== "string") {
		return { kind: "skipped", why: `webhook ${id} came without a signing_secret` };
	}
	simulator.simulator.webhooks.configure(DEMO_RECEIVER, { secret });
	return { kind: "connected", id, created: existing === undefined, status, receiverUrl };
}
