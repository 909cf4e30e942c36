/**
 * Who the lifecycle phase sends to: email i of a run (its index in the run, batches counted
 * email by email) is picked deterministically so that 2% bounce and 0.05% complain, the rest
 * delivered. Pure, so test/bench/lifecycle-mix.test.ts checks the shares.
 *
 * Bounces and complaints go to SES's own mailbox simulator (`bounce@`/`complaint@
 * simulator.amazonses.com`, a `+label` keeping each address unique), which the local simulator
 * answers with a Bounce, or a Delivery then a Complaint, as SES does (simulator/ses-events.ts),
 * and which SendFleet leaves out of the account's reputation window as SES leaves it out of its
 * own (src/domain/reputation.ts `countsForReputation`). The benchmark accounts each send a few
 * dozen emails, so counted complaints would suspend them (0.08% of under 1,250 sends is less than
 * one complaint); the price of that choice is one Durable Object request (recordFeedback) per
 * counted bounce or complaint, about 0.02 per email, which the report adds back on paper.
 * Deliveries go to ordinary addresses (`<prefix>-<i>@example.org`): delivered, and counted as
 * sends as real recipients are.
 */

export type LifecycleOutcome = "delivery" | "bounce" | "complaint";

/** One email in 50 bounces (2%), one in 2,000 complains (0.05%). */
export const BOUNCE_EVERY = 50;
export const COMPLAINT_EVERY = 2000;

export function lifecycleOutcome(i: number): LifecycleOutcome {
	// Offsets half-way through each period, so neither lands on email 0 and they never collide
	// (i ≡ 1000 mod 2000 is ≡ 0 mod 50, not 25).
	if (i % COMPLAINT_EVERY === COMPLAINT_EVERY / 2) return "complaint";
	if (i % BOUNCE_EVERY === BOUNCE_EVERY / 2) return "bounce";
	return "delivery";
}

export function lifecycleRecipient(prefix: string, i: number): string {
	const outcome = lifecycleOutcome(i);
	if (outcome === "delivery") return `${prefix}-${i}@example.org`;
	return `${outcome}+${prefix}-${i}@simulator.amazonses.com`;
}

/** SNS notifications SES publishes for it: a Delivery or a Bounce, a Complaint after a Delivery. */
export const notificationsFor = (outcome: LifecycleOutcome) => (outcome === "complaint" ? 2 : 1);

/** What a run of `count` emails holds, and the SNS notifications it brings back. */
export function lifecycleMix(count: number) {
	const mix = { delivery: 0, bounce: 0, complaint: 0, notifications: 0 };
	for (let i = 0; i < count; i++) {
		const outcome = lifecycleOutcome(i);
		mix[outcome] += 1;
		mix.notifications += notificationsFor(outcome);
	}
	return mix;
}
