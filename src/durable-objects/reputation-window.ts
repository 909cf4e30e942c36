/**
 * The AccountGuard's reputation window: recipients sent, hard bounces and complaints counted
 * over the rolling 7 days, and what their figures decide (a suspension, a warning). Kept apart
 * from the guard's metering of the plan (request rate, monthly quota, lanes), but every call
 * still comes through the guard (src/durable-objects/account-guard.ts), one at a time, so an
 * admission never races a suspension decided here.
 *
 * Its state is in the guard's storage (guard-store.ts): the counts in the hour's bucket, each
 * bounce's or complaint's event key once, and `window_start`, `suspension`, `recorded_at` (D1
 * has recorded the suspension) and `warned_at`.
 */
import type { ReputationEvent, ReputationWarning, SendCount, Suspension } from "../domain/guard.ts";
import {
	judge,
	REPUTATION_WINDOW_HOURS,
	type ReputationFigures,
	warningFor,
} from "../domain/reputation.ts";
import { HOUR } from "../lib/time.ts";
import { type GuardStore, hourOf } from "./guard-store.ts";

export class ReputationWindow {
	private readonly store: GuardStore;

	constructor(store: GuardStore) {
		this.store = store;
	}

	/** The suspension in force, if any. */
	suspension(): Suspension | null {
		return this.store.getState<Suspension>("suspension");
	}

	/** When a reinstatement last restarted the window, if one did. */
	start(): number | null {
		return this.store.getState<number>("window_start");
	}

	/** The 7-day figures since the window's start (a reinstatement restarts it). */
	figures(now: number): ReputationFigures {
		return this.store.figures(
			Math.max(hourOf(now) - REPUTATION_WINDOW_HOURS + 1, hourOf(this.start() ?? 0)),
		);
	}

	/** Adds recipients SES accepted to the hours they were accepted in; answers how many counted. */
	countSends(sends: SendCount[], now: number): number {
		const windowStart = this.start() ?? 0;
		const byHour = new Map<number, number>();
		for (const send of sends) {
			const hour = hourOf(send.at);
			if (send.at < windowStart || hour <= hourOf(now) - REPUTATION_WINDOW_HOURS) continue;
			byHour.set(hour, (byHour.get(hour) ?? 0) + send.recipients);
		}
		// Written in groups (guard-store.ts): about one row per 100 recipients sent.
		let counted = 0;
		for (const [hour, recipients] of byHour) {
			this.store.addSends(hour, recipients);
			counted += recipients;
		}
		return counted;
	}

	/** Adds bounces and complaints, each event key once; answers how many counted. */
	countFeedback(events: ReputationEvent[], now: number): number {
		const windowStart = this.start() ?? 0;
		let counted = 0;
		for (const event of events) {
			const hour = hourOf(event.at);
			if (event.at < windowStart || hour <= hourOf(now) - REPUTATION_WINDOW_HOURS) continue;
			if (!this.store.firstSight(event.key, event.at)) continue;
			this.store.addToBucket(hour, event.kind === "hard_bounce" ? "hard_bounces" : "complaints", 1);
			counted++;
		}
		return counted;
	}

	/** Suspends the account when the figures cross a threshold; answers the suspension decided. */
	suspendIfCrossed(now: number, figures = this.figures(now)): Suspension | null {
		const verdict = judge(figures);
		if (!verdict.suspend) return null;
		const suspension: Suspension = { reason: verdict.reason, at: now, figures };
		this.store.setState("suspension", suspension);
		return suspension;
	}

	/** A warning once per 7-day window: the first time a rate passes 75% of its threshold. */
	warning(figures: ReputationFigures, now: number): ReputationWarning | null {
		const rate = warningFor(figures);
		if (!rate) return null;
		const last = this.store.getState<number>("warned_at");
		if (last !== null && last > now - REPUTATION_WINDOW_HOURS * HOUR) return null;
		this.store.setState("warned_at", now);
		return { rate, at: now, figures };
	}

	/** The Worker recorded the suspension decided at `at` in D1; later answers stop asking. */
	markRecorded(at: number): void {
		if (this.suspension()?.at === at) this.store.setState("recorded_at", at);
	}

	isRecorded(): boolean {
		const suspension = this.suspension();
		return suspension !== null && this.store.getState<number>("recorded_at") === suspension.at;
	}

	/** Lifts the suspension and restarts the window; answers the suspension that was lifted. */
	reinstate(now: number): Suspension | null {
		const lifted = this.suspension();
		this.store.setState("suspension", null);
		this.store.setState("recorded_at", null);
		this.store.setState("warned_at", null);
		// Everything before `now` is forgotten: its buckets go, and events older than it are
		// ignored when SNS redelivers them (their keys stay known until they leave the window).
		this.store.setState("window_start", now);
		this.store.clearBuckets();
		return lifted;
	}
}
