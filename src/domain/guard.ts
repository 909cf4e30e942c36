/**
 * The account guard as the product's rules see it: what it answers when a send asks to be
 * admitted, what a suspension is, and what a reputation event is. The guard itself (one
 * Durable Object per account, src/durable-objects/account-guard.ts) implements these; domain
 * code receives it as a `GuardPort` and never reaches a binding.
 */
import type { Plan } from "../db/schema.ts";
import type { Lane } from "./lanes.ts";
import type { ReputationFigures } from "./reputation.ts";

export interface Suspension {
	reason: string;
	at: number;
	figures: ReputationFigures;
}

export interface RateLimitState {
	limit: number;
	remaining: number;
	/** Seconds until the bucket is full again. */
	resetSeconds: number;
}

export type Admission =
	/**
	 * `lane`: the send queue the request's emails take, from the account's recent volume
	 * (src/domain/lanes.ts); absent means express.
	 */
	| { kind: "admitted"; rate: RateLimitState; used: number; quota: number; lane?: Lane }
	/** `unrecorded`: not yet mirrored to D1 and announced; the caller must record it. */
	| { kind: "suspended"; suspension: Suspension; unrecorded: boolean }
	| { kind: "rate_limited"; rate: RateLimitState; retryAfterSeconds: number }
	/** `rate`: the request's token was taken before the quota was looked at. */
	| {
			kind: "quota_exceeded";
			rate: RateLimitState;
			used: number;
			quota: number;
			requested: number;
			resetsAt: number;
	  };

/** A hard bounce or complaint for the 7-day window, counted once per key. */
export interface ReputationEvent {
	/** Unique per event and recipient (the SNS message id and the address). */
	key: string;
	kind: "hard_bounce" | "complaint";
	at: number;
}

export interface AdmitRequest {
	plan: Plan;
	/** Every unique recipient: the monthly quota counts them when the API accepts the email. */
	recipients: number;
	now?: number;
}

/**
 * Recipients SES accepted for one email, for the reputation window (SES's mailbox simulator
 * excluded). Counted once per email by construction: only the lifecycle's winning write yields it.
 */
export interface SendCount {
	recipients: number;
	at: number;
}

/**
 * A rate passed 75% of its suspension threshold: answered once per 7 days (and again after a
 * reinstatement), for the `account.reputation_warning` webhook event.
 */
export interface ReputationWarning {
	rate: "bounce_rate" | "complaint_rate";
	at: number;
	figures: ReputationFigures;
}

/** The guard calls that keep the reputation window and the suspension. */
export interface ReputationGuard {
	/** Counts each event key once; answers a suspension that is not yet recorded in D1. */
	recordFeedback(
		events: ReputationEvent[],
		now?: number,
	): Promise<{ unrecorded: Suspension | null; counted: number; warning: ReputationWarning | null }>;
	markSuspensionRecorded(at: number): Promise<void>;
	/** Lifts the suspension and restarts the window; answers the suspension lifted. */
	reinstate(now?: number): Promise<Suspension | null>;
	/** The suspension in force, if any. */
	standing(): Promise<Suspension | null>;
}

/** The guard calls the send consumer makes: the standing before sending, the counts after. */
export interface SendGuard {
	standing(): Promise<Suspension | null>;
	/** Answers a suspension the counted sends decided (or one D1 has not recorded yet). */
	recordSends(
		sends: SendCount[],
		now?: number,
	): Promise<{ counted: number; unrecorded: Suspension | null }>;
	release(request: { recipients: number; at: number }): Promise<void>;
	/**
	 * A scheduled email due in a later month than it was accepted in: moves its recipients from
	 * that month's count to this one's and answers whether this month had room for them (if not,
	 * the email is held, and holding it gives them back).
	 */
	carryOver(request: CarryOver): Promise<{ ok: boolean; used: number; quota: number }>;
}

export interface CarryOver {
	plan: Plan;
	recipients: number;
	/** When the email was accepted (and counted). */
	from: number;
	now: number;
}

/** The guard calls the send path makes. */
export interface GuardPort {
	admit(request: AdmitRequest): Promise<Admission>;
	/** The request rate alone (a BYOC send: no quota, no shared reputation). */
	hit(plan: Plan, now?: number): Promise<{ ok: boolean; rate: RateLimitState }>;
	/** Gives back quota for recipients that will never reach SES. */
	release(request: { recipients: number; at: number }): Promise<void>;
}
