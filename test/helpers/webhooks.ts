/** Webhook test data: an endpoint made through the API, and an event with its delivery row. */
import { insertDelivery } from "../../src/db/queries/webhooks.ts";
import { uuidv7 } from "../../src/lib/ids.ts";
import { api } from "./api.ts";
import { db } from "./factories.ts";

export async function createWebhookEndpoint(
	key: string,
	endpoint = "https://hooks.example.com/sendfleet",
	events: string[] = ["email.delivered", "email.bounced"],
) {
	const res = await api("POST", "/webhooks", { key, body: { endpoint, events } });
	if (res.status !== 201) throw new Error(`webhook not created: ${JSON.stringify(res.json)}`);
	return res.json as { object: "webhook"; id: string; signing_secret: string };
}

/** An event of the account, pending for the endpoint (as emission writes it). */
export async function createWebhookEvent(endpointId: string, type = "email.delivered") {
	const id = uuidv7();
	const createdAt = Date.now();
	const payload = JSON.stringify({
		type,
		created_at: new Date(createdAt).toISOString(),
		data: { email_id: uuidv7(), to: ["someone@example.org"] },
	});
	await insertDelivery(db(), endpointId, { id, type, payload, createdAt });
	return { id, type, payload };
}
