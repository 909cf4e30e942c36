/**
 * Sending to the lane the account's guard chose (src/domain/lanes.ts) without changing the send
 * path's shape: the request's deps get a guard whose admissions set the lane and a queue that
 * sends there, so src/domain/sending.ts still just "sends to the send queue".
 */
import type { Admission, AdmitRequest, GuardPort } from "./guard.ts";
import type { Lane } from "./lanes.ts";

/** The send queue of each lane. */
export type LaneQueues<Body> = Record<Lane, Queue<Body>>;

/**
 * For one account's requests: a guard whose admissions set the lane, and a queue that sends to
 * the lane the last admission chose (express until one did). Safe to share between concurrent
 * requests of the same account: the lane is the account's, so the latest answer is the right one.
 */
export function routeByAdmission<Body>(
	guard: GuardPort,
	queues: LaneQueues<Body>,
): { guard: GuardPort; queue: Queue<Body> } {
	let lane: Lane = "express";
	return {
		guard: {
			admit: async (request: AdmitRequest): Promise<Admission> => {
				const admission = await guard.admit(request);
				if (admission.kind === "admitted") lane = admission.lane ?? "express";
				return admission;
			},
			hit: (plan, now) => guard.hit(plan, now),
			release: (request) => guard.release(request),
		},
		queue: {
			send: (message, options) => queues[lane].send(message, options),
			sendBatch: (messages, options) => queues[lane].sendBatch(messages, options),
			metrics: () => queues[lane].metrics(),
		},
	};
}
