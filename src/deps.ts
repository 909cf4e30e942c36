/**
 * The domain's dependencies, built from the Worker's env: the one place that turns bindings
 * and vars into the small adapters `src/domain/` receives (D1, the send queue, an account's
 * guard, SendFleet's own mail). Routes, queue consumers and cron jobs call these; the domain
 * never sees `env`.
 */

import { createDb } from "./db/client.ts";
import type { NoticeRow } from "./db/queries/notices.ts";
import type { ByocDeps } from "./domain/byoc.ts";
import { sendThroughByoc } from "./domain/byoc-sending.ts";
import type { NotificationDeps } from "./domain/feedback.ts";
import { type LaneQueues, laneQueue } from "./domain/lanes.ts";
import { dispatchNotices, type NoticeDeps } from "./domain/notices.ts";
import { recordTogether } from "./domain/recorded-together.ts";
import type { SendMessage } from "./domain/send-message.ts";
import type { SendingDeps } from "./domain/sending.ts";
import { recordSuspension, type SuspensionDeps } from "./domain/suspension.ts";
import type { WebhookDeliveryDeps } from "./domain/webhook-delivery.ts";
import { emitEvents } from "./domain/webhook-events.ts";
import { guardFor } from "./durable-objects/index.ts";
import type { Bindings } from "./env.ts";
import { createSecretBox, type SecretBox } from "./lib/secret-box.ts";
import { fetchAttachment } from "./services/attachment-fetch.ts";
import { byocSesFromEnv, servicesFromEnv } from "./services/index.ts";
import { createWebhookSender } from "./services/webhook-sender.ts";

export type WaitUntil = (work: Promise<unknown>) => void;

/** The bulk lane's queues (wrangler.toml), in `bulkLaneOf`'s order (src/domain/lanes.ts). */
export function bulkQueues(env: Bindings): Queue<SendMessage>[] {
	return [env.SEND_BULK_QUEUE, env.SEND_BULK_QUEUE_1, env.SEND_BULK_QUEUE_2, env.SEND_BULK_QUEUE_3];
}

/** Every send queue by lane: where accepted, scheduled and swept emails are sent from. */
export function laneQueuesOf(env: Bindings): LaneQueues<SendMessage> {
	return { express: env.SEND_QUEUE, bulk: bulkQueues(env) };
}

export function sendingDepsFromEnv(
	env: Bindings,
	accountId: string,
	waitUntil: WaitUntil,
): SendingDeps {
	return {
		db: createDb(env.DB),
		queue: env.SEND_QUEUE,
		bulkQueue: laneQueue(laneQueuesOf(env), "bulk", accountId),
		guard: guardFor(env, accountId),
		emit: (events) =>
			waitUntil(
				emitEvents({ db: createDb(env.DB), webhookQueue: env.WEBHOOK_QUEUE }, events).catch(
					(cause: unknown) => console.error("webhook events not written", cause),
				),
			),
		onSuspended: async (suspension) => {
			const deps = suspensionDepsFromEnv(env, accountId);
			const notice = await recordSuspension(deps, accountId, suspension);
			waitUntil(sendNotices(env, waitUntil, notice));
		},
		byoc: (emails) => sendThroughByoc(byocDepsFromEnv(env), accountId, emails),
		files: env.ATTACHMENTS,
		keepAlive: waitUntil,
		fetchPath: (url, maxBytes) =>
			fetchAttachment(url, { localPrefix: env.ATTACHMENT_ALLOW_LOCAL_URL_PREFIX, maxBytes }),
	};
}

export function notificationDepsFromEnv(env: Bindings, waitUntil: WaitUntil): NotificationDeps {
	return {
		db: createDb(env.DB),
		webhookQueue: env.WEBHOOK_QUEUE,
		suspensionFor: (accountId) => suspensionDepsFromEnv(env, accountId),
		onNotice: (notice) => waitUntil(sendNotices(env, waitUntil, notice)),
	};
}

/**
 * `/hooks/sns`'s: each notification's email event recorded with those of the notifications the
 * isolate serves meanwhile (src/domain/recorded-together.ts).
 */
export function hookNotificationDepsFromEnv(env: Bindings, waitUntil: WaitUntil): NotificationDeps {
	const deps = notificationDepsFromEnv(env, waitUntil);
	return { ...deps, record: recordTogether(env.DB, deps, waitUntil) };
}

export function suspensionDepsFromEnv(env: Bindings, accountId: string): SuspensionDeps {
	return {
		db: createDb(env.DB),
		webhookQueue: env.WEBHOOK_QUEUE,
		guard: guardFor(env, accountId),
	};
}

export function noticeDepsFromEnv(env: Bindings, waitUntil: WaitUntil): NoticeDeps {
	return {
		db: createDb(env.DB),
		platform:
			env.PLATFORM_ACCOUNT_ID && env.PLATFORM_FROM
				? { accountId: env.PLATFORM_ACCOUNT_ID, from: env.PLATFORM_FROM }
				: null,
		sendingFor: (accountId) => sendingDepsFromEnv(env, accountId, waitUntil),
	};
}

/** Dispatches just-recorded notices now; the cron picks up any this misses. */
export async function sendNotices(
	env: Bindings,
	waitUntil: WaitUntil,
	...given: (NoticeRow | null)[]
) {
	const notices = given.filter((n): n is NoticeRow => n !== null);
	if (notices.length) await dispatchNotices(noticeDepsFromEnv(env, waitUntil), notices);
}

/** What checking and registering domains needs: D1, SES (ours, BYOC's), DNS, the webhook queue. */
export function domainDepsFromEnv(env: Bindings) {
	return {
		db: createDb(env.DB),
		webhookQueue: env.WEBHOOK_QUEUE,
		...servicesFromEnv(env),
		byoc: byocDepsFromEnv(env),
	};
}

const boxes = new Map<string, Promise<SecretBox>>();

/** A box over a key ring, made once per isolate and ring. */
function secretBoxFor(ring: string | undefined, name: string): Promise<SecretBox> | null {
	if (!ring) return null;
	const key = `${name}\n${ring}`;
	let box = boxes.get(key);
	if (!box) {
		box = createSecretBox(ring, name);
		boxes.set(key, box);
	}
	return box;
}

/** The box over `WEBHOOK_SECRET_KEY`, or null while the secret is not set (webhooks are off). */
export function webhookSecretBoxFromEnv(env: Bindings): Promise<SecretBox> | null {
	return secretBoxFor(env.WEBHOOK_SECRET_KEY, "WEBHOOK_SECRET_KEY");
}

/** What BYOC needs: D1 (the connection only), the customer's SES, the box for access keys. */
export function byocDepsFromEnv(env: Bindings): ByocDeps {
	return {
		db: createDb(env.DB),
		ses: byocSesFromEnv(env),
		box: secretBoxFor(env.BYOC_SECRET_KEY, "BYOC_SECRET_KEY"),
		platformAwsAccountId: env.SENDFLEET_AWS_ACCOUNT_ID,
	};
}

export function webhookDeliveryDepsFromEnv(
	env: Bindings,
	waitUntil: WaitUntil,
): WebhookDeliveryDeps {
	return {
		db: createDb(env.DB),
		queue: env.WEBHOOK_QUEUE,
		secretBox: () => {
			const box = webhookSecretBoxFromEnv(env);
			if (!box) throw new Error("WEBHOOK_SECRET_KEY is not set: webhook deliveries wait.");
			return box;
		},
		post: createWebhookSender(),
		onNotice: (notice) => waitUntil(sendNotices(env, waitUntil, notice)),
	};
}
