/**
 * Phase B's "one webhook endpoint" measurement: each of the separate webhook accounts
 * (scripts/bench/accounts.ts) gets one endpoint through the API, as `npm start` gives the demo
 * account one (connectDemoWebhook in scripts/demo-webhook.ts): subscribed to every `email.*` event
 * type (src/domain/webhooks.ts) and pointed at a receiver of the SES simulator's own
 * (simulator/webhook-receiver.ts), one receiver per endpoint since each endpoint signs with its
 * own secret. The Worker may post there because the local stack sets
 * WEBHOOK_ALLOW_LOCAL_URL_PREFIX to the simulator's URL.
 *
 * Also what the simulator saw during a measurement: the deliveries those receivers got, and the
 * SNS notifications (SES events) it posted to the Worker's `/hooks/sns`.
 */
import { WEBHOOK_EVENT_TYPES } from "../../src/domain/webhooks.ts";
import type { LocalStack } from "../local-stack.ts";
import { webhookAccounts } from "./accounts.ts";
import { post } from "./load.ts";

const RECEIVER_PREFIX = "bench-webhook-";
const receiverName = (i: number) => `${RECEIVER_PREFIX}${String(i + 1).padStart(3, "0")}`;

/** The `email.*` event types every benchmark endpoint subscribes to. */
export const EMAIL_EVENT_TYPES = WEBHOOK_EVENT_TYPES.filter((type) => type.startsWith("email."));

/**
 * One endpoint per webhook account (`POST /webhooks`), and its receiver given the endpoint's
 * signing secret so deliveries verify and are answered 200. Throws when the API refuses one.
 */
export async function connectBenchWebhooks(s: LocalStack): Promise<void> {
	for (const [i, account] of webhookAccounts.entries()) {
		const name = receiverName(i);
		const response = await post(s, account, "/webhooks", {
			endpoint: `${s.simulatorUrl}/webhooks/receive/${name}`,
			events: EMAIL_EVENT_TYPES,
		});
		const text = await response.text();
		const body = JSON.parse(text || "{}") as { signing_secret?: unknown };
		if (response.status !== 201 || typeof body.signing_secret !== "string") {
			throw new Error(
				`POST /webhooks as ${account.domain} answered ${response.status}: ${text.slice(0, 200)}`,
			);
		}
		s.simulator.webhooks.configure(name, { secret: body.signing_secret });
	}
}

/** What the benchmark's receivers got: every delivery, by event type and by answer. */
export interface ReceiverTally {
	deliveries: number;
	byType: Map<string, number>;
	/** Answers the receivers gave (200 when the signature verified). */
	statuses: Map<number, number>;
	/** Deliveries of a `webhook-id` the same receiver had already got (retries, redeliveries). */
	repeats: number;
}

export function receiverTally(s: LocalStack): ReceiverTally {
	const tally: ReceiverTally = {
		deliveries: 0,
		byType: new Map(),
		statuses: new Map(),
		repeats: 0,
	};
	for (const d of s.simulator.webhooks.deliveries()) {
		if (!d.receiver.startsWith(RECEIVER_PREFIX)) continue;
		tally.deliveries += 1;
		const type = d.type ?? "(no type)";
		tally.byType.set(type, (tally.byType.get(type) ?? 0) + 1);
		tally.statuses.set(d.status, (tally.statuses.get(d.status) ?? 0) + 1);
		if (d.attempt > 1) tally.repeats += 1;
	}
	return tally;
}

/** The simulator's SNS notifications already posted (or given up), to tell a measurement's own. */
export const snsSeen = (s: LocalStack) =>
	new Set(s.simulator.sns.sent().map((n) => n.snsMessageId));

/** Nothing queued to post to `/hooks/sns` and nothing being posted or waiting to retry. */
export const snsQuiet = (s: LocalStack) =>
	s.simulator.sns.pending().length === 0 &&
	!s.simulator.sns.sent().some((n) => n.outcome === "posting");

/** SNS notifications posted since `before`: by SES event type, and those the Worker refused. */
export interface SnsTally {
	notifications: number;
	byType: Map<string, number>;
	failed: number;
}

export function snsTally(s: LocalStack, before: Set<string>): SnsTally {
	const tally: SnsTally = { notifications: 0, byType: new Map(), failed: 0 };
	for (const n of s.simulator.sns.sent()) {
		if (before.has(n.snsMessageId) || n.type !== "Notification") continue;
		tally.notifications += 1;
		const type = n.eventType ?? "(no type)";
		tally.byType.set(type, (tally.byType.get(type) ?? 0) + 1);
		if (n.outcome === "failed") tally.failed += 1;
	}
	return tally;
}
