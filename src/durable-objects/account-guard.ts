/**
 * AccountGuard: one Durable Object per account (SQLite storage, RPC methods, no HTTP) that
 * protects the shared SES reputation and meters the plan in real time. A Durable Object runs
 * one call at a time and its SQLite writes are synchronous, so concurrent requests can never
 * overshoot the quota or race a suspension.
 *
 * It keeps (src/durable-objects/guard-store.ts holds its storage; the monthly usage and the
 * hourly sends are written in groups of 100, the rest by its alarm within 10 s, both in the
 * hour's bucket):
 * - the monthly usage (recipients per calendar month, UTC);
 * - a rolling 7-day window in hourly buckets of recipients sent, hard bounces and complaints;
 *   each bounce or complaint is counted once (by its event key), whatever SNS redelivers;
 * - the suspension, decided here the moment the figures cross a threshold, and whether the
 *   Worker has recorded it in D1 (mirror, audit entry, the owner's notice): every answer that
 *   mentions an unrecorded suspension says so, so a caller that failed half-way is followed by
 *   one that finishes the job;
 * - a token bucket for the account's request rate (in memory: a restart merely refills it);
 * - the recipients admitted in the last ten seconds, which decide the send lane of the
 *   request's emails (src/domain/lanes.ts; in memory too: a restart sends its next ones express).
 * An alarm writes the pending counts and, hourly, prunes the figures and event keys that left
 * the window and the usage of months before last month. What the window's figures decide (the
 * suspension, the warning) is in src/durable-objects/reputation-window.ts.
 */
import { DurableObject } from "cloudflare:workers";
import type { Plan } from "../db/schema.ts";
import type {
	Admission,
	AdmitRequest,
	CarryOver,
	GuardPort,
	RateLimitState,
	ReputationEvent,
	ReputationGuard,
	ReputationWarning,
	SendCount,
	SendGuard,
	Suspension,
} from "../domain/guard.ts";
import { createLaneMeter } from "../domain/lanes.ts";
import { PLAN_LIMITS } from "../domain/plans.ts";
import type { ReputationFigures } from "../domain/reputation.ts";
import { HOUR } from "../lib/time.ts";
import { GROUP_DELAY_MS, GuardStore, monthOf, monthStart } from "./guard-store.ts";
import { ReputationWindow } from "./reputation-window.ts";

export class AccountGuard
	extends DurableObject<Env>
	implements GuardPort, ReputationGuard, SendGuard
{
	private tokens = 0;
	private tokensAt = 0;
	private tokensPlan: Plan | null = null;
	private readonly lanes = createLaneMeter();

	private readonly store: GuardStore;
	private readonly window: ReputationWindow;
	/** Set while an alarm is due soon enough to write the pending counts. */
	private writeAlarmSet = false;
	/** When the alarm next drops what left the window (a new instance does it at its first). */
	private pruneDueAt = 0;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new GuardStore(ctx.storage);
		this.window = new ReputationWindow(this.store);
	}

	/** Takes one request token; the bucket refills at the plan's rate up to its burst. */
	private takeToken(plan: Plan, now: number): { ok: boolean; rate: RateLimitState } {
		const { requestsPerSecond: perSecond, requestBurst: burst } = PLAN_LIMITS[plan];
		if (this.tokensPlan !== plan) {
			this.tokens = burst;
			this.tokensAt = now;
			this.tokensPlan = plan;
		}
		this.tokens = Math.min(burst, this.tokens + ((now - this.tokensAt) / 1000) * perSecond);
		this.tokensAt = now;
		const ok = this.tokens >= 1;
		if (ok) this.tokens -= 1;
		return {
			ok,
			rate: {
				limit: burst,
				remaining: Math.floor(this.tokens),
				resetSeconds: Math.ceil((burst - this.tokens) / perSecond),
			},
		};
	}

	/** The rate limit alone, for the API's other endpoints. */
	async hit(plan: Plan, now = Date.now()): Promise<{ ok: boolean; rate: RateLimitState }> {
		return this.takeToken(plan, now);
	}

	/**
	 * One call per send request: admits or refuses it as a whole (suspended, over the request
	 * rate, over the monthly quota) and, when admitted, records its recipients.
	 */
	async admit(request: AdmitRequest): Promise<Admission> {
		const now = request.now ?? Date.now();
		const suspension = this.window.suspension();
		if (suspension) return { kind: "suspended", suspension, unrecorded: !this.window.isRecorded() };
		// Bounces alone cannot suspend below 50 sends; the send that reaches 50 can make the
		// figures cross, and the next request is then refused here.
		const decided = this.window.suspendIfCrossed(now);
		if (decided) return { kind: "suspended", suspension: decided, unrecorded: true };

		const token = this.takeToken(request.plan, now);
		if (!token.ok) return { kind: "rate_limited", rate: token.rate, retryAfterSeconds: 1 };

		const used = this.store.used(now);
		const quota = PLAN_LIMITS[request.plan].monthlyEmails;
		if (used + request.recipients > quota) {
			return {
				kind: "quota_exceeded",
				rate: token.rate,
				used,
				quota,
				requested: request.recipients,
				resetsAt: monthStart(now, 1),
			};
		}
		this.store.addUsage(now, request.recipients);
		await this.writeSoon();
		return {
			kind: "admitted",
			rate: token.rate,
			used: used + request.recipients,
			quota,
			lane: this.lanes.admit(request.recipients, now),
		};
	}

	/** Gives back quota for recipients that will never reach SES (not stored, held, refused). */
	async release(request: { recipients: number; at: number }): Promise<void> {
		this.store.releaseUsage(request.at, request.recipients);
	}

	async carryOver(request: CarryOver): Promise<{ ok: boolean; used: number; quota: number }> {
		const quota = PLAN_LIMITS[request.plan].monthlyEmails;
		const used = this.store.used(request.now);
		if (monthOf(request.from) === monthOf(request.now)) return { ok: true, used, quota };
		this.store.releaseUsage(request.from, request.recipients);
		this.store.addUsage(request.now, request.recipients);
		await this.writeSoon();
		return { ok: used + request.recipients <= quota, used, quota };
	}

	/**
	 * Counts recipients SES accepted, as SES counts them for its own reputation figures, in the
	 * hour SES accepted them. Each email is counted once because only the consumer's winning
	 * write of "SES accepted it" yields its count (src/domain/email-recorder.ts), so no key is
	 * kept per send: that was two rows written per email. SES's bounce notifications can come
	 * back before the consumer counts its batch, so the sends that reach 50 may be the ones that
	 * make the figures cross: the account is suspended here then, not only at its next request.
	 * Answers the suspension while D1 has not recorded it.
	 */
	async recordSends(
		sends: SendCount[],
		now = Date.now(),
	): Promise<{ counted: number; unrecorded: Suspension | null }> {
		const counted = this.window.countSends(sends, now);
		await this.writeSoon();
		let suspension = this.window.suspension();
		if (!suspension && counted > 0) suspension = this.window.suspendIfCrossed(now);
		return { counted, unrecorded: suspension && !this.window.isRecorded() ? suspension : null };
	}

	/** The suspension in force, if any: what the send consumer checks before each batch. */
	async standing(): Promise<Suspension | null> {
		return this.window.suspension();
	}

	/** The 7-day figures since the window's start (a reinstatement restarts it). */
	figures(now = Date.now()): ReputationFigures {
		return this.window.figures(now);
	}

	/**
	 * Counts bounces and complaints (each event key once) and suspends the account the moment
	 * the figures cross a threshold. Answers the suspension when this call caused it.
	 */
	async recordFeedback(
		events: ReputationEvent[],
		now = Date.now(),
	): Promise<{
		unrecorded: Suspension | null;
		counted: number;
		warning: ReputationWarning | null;
	}> {
		const counted = this.window.countFeedback(events, now);
		await this.ensureAlarm(now);
		const current = this.window.suspension();
		if (current)
			return { unrecorded: this.window.isRecorded() ? null : current, counted, warning: null };
		const figures = this.window.figures(now);
		const suspension = this.window.suspendIfCrossed(now, figures);
		if (!suspension)
			return { unrecorded: null, counted, warning: this.window.warning(figures, now) };
		return { unrecorded: suspension, counted, warning: null };
	}

	/** The Worker recorded the suspension decided at `at` in D1; later answers stop asking. */
	async markSuspensionRecorded(at: number): Promise<void> {
		this.window.markRecorded(at);
	}

	async reputation(now = Date.now()): Promise<{
		figures: ReputationFigures;
		suspension: Suspension | null;
		windowStart: number | null;
	}> {
		return {
			figures: this.figures(now),
			suspension: this.window.suspension(),
			windowStart: this.window.start(),
		};
	}

	/**
	 * Staff reinstatement: lifts the suspension and restarts the window, so the same old events
	 * cannot suspend the account again. Answers the suspension that was lifted.
	 */
	async reinstate(now = Date.now()): Promise<Suspension | null> {
		return this.window.reinstate(now);
	}

	/** Monthly usage so far (recipients), for the account page. */
	async usage(now = Date.now()): Promise<number> {
		return this.store.used(now);
	}

	/** Makes sure the alarm prunes within the hour: the call wrote figures or an event key. */
	private async ensureAlarm(now: number) {
		const due = now + HOUR;
		this.pruneDueAt = Math.min(this.pruneDueAt, due);
		const at = await this.ctx.storage.getAlarm();
		if (at === null || at > due) await this.ctx.storage.setAlarm(due);
	}

	/**
	 * Makes sure the alarm writes the pending counts within GROUP_DELAY_MS of the clock (not of
	 * the `now` a call is decided at, which tests set anywhere in time).
	 */
	private async writeSoon() {
		if (this.writeAlarmSet || !this.store.hasPending) return;
		const due = Date.now() + GROUP_DELAY_MS;
		const at = await this.ctx.storage.getAlarm();
		if (at === null || at > due) await this.ctx.storage.setAlarm(due);
		this.writeAlarmSet = true;
	}

	/**
	 * Writes the pending counts; then, when due, drops what left the 7-day window (and usage
	 * older than last month) and learns when to do it next (`GuardStore.prune`): hourly while
	 * there are figures, and within the hour of any new write.
	 */
	async alarm(): Promise<void> {
		const now = Date.now();
		this.writeAlarmSet = false;
		if (this.store.flush()) this.pruneDueAt = Math.min(this.pruneDueAt, now + HOUR);
		if (now >= this.pruneDueAt) this.pruneDueAt = this.store.prune(now) ?? Number.POSITIVE_INFINITY;
		if (Number.isFinite(this.pruneDueAt)) await this.ctx.storage.setAlarm(this.pruneDueAt);
	}
}
