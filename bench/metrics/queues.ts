/**
 * The benchmark's queue counters: each message written by a producer, and each delivery, ack and
 * retry on the consumer's side, in all, per queue and per entry point; Cloudflare bills each
 * message as a write, a read and a delete.
 */

import { countQueue, sourceUsage, totals, UNATTRIBUTED } from "./totals.ts";
import { type RequestTrace, traceCall } from "./traces.ts";

/** The entry point a queue's consumer counts under. */
export const queueSource = (queue: string) => `queue ${queue}`;

/**
 * A producer binding that counts the messages written (each one a billed write), in all, under
 * `name` (the queue it writes to) when given, and under `source` (the entry point writing).
 */
export function instrumentQueue<Body>(
	queue: Queue<Body>,
	name?: string,
	source = UNATTRIBUTED,
	trace?: RequestTrace,
): Queue<Body> {
	const written = (n: number) => {
		countQueue(name, "written", n);
		sourceUsage(source).queueWritten += n;
	};
	return {
		metrics: () => queue.metrics(),
		send: (body, options) =>
			traceCall(trace, "queue", `${name ?? "queue"} send`, async () => {
				const response = await queue.send(body, options);
				written(1);
				return response;
			}),
		sendBatch(messages, options) {
			const list = [...messages];
			return traceCall(
				trace,
				"queue",
				`${name ?? "queue"} sendBatch of ${list.length}`,
				async () => {
					const response = await queue.sendBatch(list, options);
					written(list.length);
					return response;
				},
			);
		},
	};
}

/**
 * Runs a consumer on a batch and counts each message's fate. A message's own ack()/retry()
 * decides it (the first call wins), then ackAll()/retryAll(); a message nobody decided is
 * acked if the handler returns and retried if it throws, as the Queues runtime does.
 */
export async function countQueueBatch<Body>(
	batch: MessageBatch<Body>,
	consume: (batch: MessageBatch<Body>) => void | Promise<void>,
): Promise<void> {
	totals.worker.queueInvocations += 1;
	const name = batch.queue;
	sourceUsage(queueSource(name)).invocations += 1;
	countQueue(name, "delivered", batch.messages.length);
	const decided = new Map<Message<Body>, "ack" | "retry">();
	let decidedAll: "ack" | "retry" | undefined;
	const messages = batch.messages.map(
		(message): Message<Body> => ({
			get id() {
				return message.id;
			},
			get timestamp() {
				return message.timestamp;
			},
			get body() {
				return message.body;
			},
			get attempts() {
				return message.attempts;
			},
			ack() {
				if (!decided.has(message)) decided.set(message, "ack");
				message.ack();
			},
			retry(options) {
				if (!decided.has(message)) decided.set(message, "retry");
				message.retry(options);
			},
		}),
	);
	const counted: MessageBatch<Body> = {
		messages,
		get queue() {
			return batch.queue;
		},
		get metadata() {
			return batch.metadata;
		},
		ackAll() {
			decidedAll ??= "ack";
			batch.ackAll();
		},
		retryAll(options) {
			decidedAll ??= "retry";
			batch.retryAll(options);
		},
	};
	let completed = false;
	try {
		await consume(counted);
		completed = true;
	} finally {
		for (const message of batch.messages) {
			const fate = decided.get(message) ?? decidedAll ?? (completed ? "ack" : "retry");
			countQueue(name, fate === "ack" ? "acked" : "retried", 1);
		}
	}
}
