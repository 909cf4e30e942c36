/**
 * The email lifecycle's rules as a table: every state an email can be in × every event that
 * can reach it, with the status and last_event that must follow, then the properties that hold
 * for every pair (a duplicate changes nothing, a final status stays final, last_event never
 * moves down) and the effects each event has outside the email.
 */
import { describe, expect, it } from "vitest";
import { transition } from "../../src/domain/email-lifecycle.ts";
import { type EmailState, type LifecycleEvent, RANK } from "../../src/domain/email-state.ts";

const A = "a@example.org";
const B = "b@example.org";
const T = 1_800_000_000_000;

const base: EmailState = {
	status: "pending",
	lastEvent: "queued",
	sesMessageId: null,
	sentAt: null,
	deliveredAt: null,
	failureReason: null,
	scheduledAt: null,
	recipients: [A, B],
	deliveredTo: [],
};
const accepted = { ...base, lastEvent: "sent", sesMessageId: "ses-1", sentAt: T } as const;

/** Every state an email with two recipients can reach. */
const STATES = {
	queued: base,
	accepted,
	delayed: { ...accepted, lastEvent: "delivery_delayed" },
	"one delivered": { ...accepted, lastEvent: "delivered", deliveredTo: [A] },
	"all delivered": {
		...accepted,
		status: "sent",
		lastEvent: "delivered",
		deliveredTo: [A, B],
		deliveredAt: T + 1,
	},
	bounced: { ...accepted, status: "failed", lastEvent: "bounced", failureReason: "Hard bounce" },
	"complained after delivery": {
		...accepted,
		status: "sent",
		lastEvent: "complained",
		deliveredTo: [A, B],
		deliveredAt: T + 1,
	},
	"never reached SES": {
		...base,
		status: "failed",
		lastEvent: "failed",
		failureReason: "SES refused",
	},
	rejected: { ...accepted, status: "failed", lastEvent: "failed", failureReason: "Rejected" },
} satisfies Record<string, EmailState>;

const at = T + 10;
const details = {};
/** Every event, as SES or the send consumer reports it. */
const EVENTS = {
	accepted_by_ses: { kind: "accepted_by_ses", sesMessageId: "ses-2", at },
	send_failed: { kind: "send_failed", code: "InvalidParameterValue", reason: "refused", at },
	"delivered to a": { kind: "delivered", recipients: [A], details, at },
	"delivered to both": { kind: "delivered", recipients: [A, B], details, at },
	delivery_delayed: { kind: "delivery_delayed", recipients: [B], details, at },
	"hard bounce": {
		kind: "bounced",
		bounceType: "Permanent",
		recipients: [B],
		reason: "Hard bounce (General): b@example.org",
		details,
		at,
	},
	"soft bounce": {
		kind: "bounced",
		bounceType: "Transient",
		recipients: [B],
		reason: "Soft",
		details,
		at,
	},
	complained: { kind: "complained", recipients: [A], reason: "Complaint (abuse)", details, at },
	rejected: { kind: "rejected", reason: "SES rejected the email: Bad content", details, at },
	rendering_failed: { kind: "rendering_failed", reason: "SES could not render", details, at },
	opened: { kind: "opened", recipients: [A], details, at },
	clicked: { kind: "clicked", recipients: [A], details, at },
} satisfies Record<string, LifecycleEvent>;

type StateName = keyof typeof STATES;
type EventName = keyof typeof EVENTS;

/**
 * The expected `status/last_event` after each event, one row per state, in the order of EVENTS:
 * accepted_by_ses, send_failed, delivered to a, delivered to both, delivery_delayed,
 * hard bounce, soft bounce, complained, rejected, rendering_failed, opened, clicked.
 */
const EXPECTED: Record<StateName, string[]> = {
	queued: [
		"pending/sent",
		"failed/failed",
		"pending/delivered",
		"sent/delivered",
		"pending/delivery_delayed",
		"failed/bounced",
		"pending/queued",
		"pending/complained",
		"failed/failed",
		"failed/failed",
		"pending/queued",
		"pending/queued",
	],
	accepted: [
		"pending/sent",
		"pending/sent",
		"pending/delivered",
		"sent/delivered",
		"pending/delivery_delayed",
		"failed/bounced",
		"pending/sent",
		"pending/complained",
		"failed/failed",
		"failed/failed",
		"pending/sent",
		"pending/sent",
	],
	delayed: [
		"pending/delivery_delayed",
		"pending/delivery_delayed",
		"pending/delivered",
		"sent/delivered",
		"pending/delivery_delayed",
		"failed/bounced",
		"pending/delivery_delayed",
		"pending/complained",
		"failed/failed",
		"failed/failed",
		"pending/delivery_delayed",
		"pending/delivery_delayed",
	],
	"one delivered": [
		"pending/delivered",
		"pending/delivered",
		"pending/delivered",
		"sent/delivered",
		"pending/delivered",
		"failed/bounced",
		"pending/delivered",
		"pending/complained",
		"failed/failed",
		"failed/failed",
		"pending/delivered",
		"pending/delivered",
	],
	"all delivered": [
		"sent/delivered",
		"sent/delivered",
		"sent/delivered",
		"sent/delivered",
		"sent/delivered",
		"sent/bounced",
		"sent/delivered",
		"sent/complained",
		"sent/failed",
		"sent/failed",
		"sent/delivered",
		"sent/delivered",
	],
	bounced: [
		"failed/bounced",
		"failed/bounced",
		"failed/bounced",
		"failed/bounced",
		"failed/bounced",
		"failed/bounced",
		"failed/bounced",
		"failed/complained",
		"failed/failed",
		"failed/failed",
		"failed/bounced",
		"failed/bounced",
	],
	"complained after delivery": [
		"sent/complained",
		"sent/complained",
		"sent/complained",
		"sent/complained",
		"sent/complained",
		"sent/complained",
		"sent/complained",
		"sent/complained",
		"sent/failed",
		"sent/failed",
		"sent/complained",
		"sent/complained",
	],
	"never reached SES": [
		"failed/failed",
		"failed/failed",
		"failed/failed",
		"failed/failed",
		"failed/failed",
		"failed/failed",
		"failed/failed",
		"failed/failed",
		"failed/failed",
		"failed/failed",
		"failed/failed",
		"failed/failed",
	],
	rejected: Array(12).fill("failed/failed"),
};

const pairs = (Object.keys(STATES) as StateName[]).flatMap((state) =>
	(Object.keys(EVENTS) as EventName[]).map((event, i) => ({
		state,
		event,
		expected: EXPECTED[state][i],
	})),
);

describe("the email lifecycle", () => {
	it("has an expectation for every (state, event) pair", () => {
		for (const row of Object.values(EXPECTED)) expect(row).toHaveLength(Object.keys(EVENTS).length);
		expect(pairs).toHaveLength(9 * 12);
	});

	it.each(pairs)("$state + $event → $expected", ({ state, event, expected }) => {
		const { next } = transition(STATES[state], EVENTS[event]);
		expect(`${next.status}/${next.lastEvent}`).toBe(expected);
	});

	it.each(pairs)("$state + $event: the same event again changes nothing", ({ state, event }) => {
		const once = transition(STATES[state], EVENTS[event]);
		const twice = transition(once.next, EVENTS[event]);
		expect(twice.changed).toBe(false);
		expect(twice.next).toEqual(once.next);
	});

	it.each(pairs)(
		"$state + $event: a final status stays, last_event never moves down",
		({ state, event }) => {
			const before = STATES[state];
			const { next } = transition(before, EVENTS[event]);
			if (before.status !== "pending") {
				expect(next.status).toBe(before.status);
				expect(next.failureReason).toBe(before.failureReason);
				expect(next.deliveredAt).toBe(before.deliveredAt);
			}
			expect(RANK[next.lastEvent]).toBeGreaterThanOrEqual(RANK[before.lastEvent]);
		},
	);

	it("a delivery that arrives before SES's acceptance is recorded keeps both", () => {
		const delivered = transition(
			{ ...base, recipients: [A] },
			{ kind: "delivered", recipients: [A], details, at },
		).next;
		const late = transition(delivered, EVENTS.accepted_by_ses);
		expect(late.next).toMatchObject({
			status: "sent",
			lastEvent: "delivered",
			sesMessageId: "ses-2",
			sentAt: at,
			deliveredAt: at,
		});
	});

	it("an email is sent only once every unique recipient is delivered, and dated then", () => {
		const first = transition(accepted, EVENTS["delivered to a"]);
		expect(first.next).toMatchObject({ status: "pending", deliveredAt: null });
		const second = transition(first.next, {
			kind: "delivered",
			recipients: [B],
			details,
			at: at + 5,
		});
		expect(second.next).toMatchObject({ status: "sent", deliveredAt: at + 5 });
	});

	it("a hard bounce fails the email, suppresses the address and counts for reputation", () => {
		const t = transition(accepted, EVENTS["hard bounce"]);
		expect(t.next.failureReason).toBe("Hard bounce (General): b@example.org");
		expect(t.timeline).toEqual([{ type: "bounced", recipient: B, details, at }]);
		expect(t.effects).toEqual([
			{
				kind: "suppress",
				address: B,
				origin: "bounce",
				reason: "Hard bounce (General): b@example.org",
			},
			{ kind: "count_for_reputation", address: B, what: "hard_bounce" },
			{
				kind: "emit",
				type: "email.bounced",
				extra: {
					bounce: {
						type: "Permanent",
						subType: "Undetermined",
						message: "Hard bounce (General): b@example.org",
					},
				},
			},
		]);
	});

	it("a complaint suppresses and counts but leaves the status alone", () => {
		const t = transition(STATES["all delivered"], EVENTS.complained);
		expect(t.next.status).toBe("sent");
		expect(t.effects.map((e) => e.kind)).toEqual(["suppress", "count_for_reputation", "emit"]);
		expect(t.effects.at(-1)).toEqual({ kind: "emit", type: "email.complained", extra: {} });
	});

	it("SES's mailbox simulator is suppressed but never counted for reputation", () => {
		const t = transition(accepted, {
			...EVENTS["hard bounce"],
			recipients: ["bounce@simulator.amazonses.com"],
		});
		expect(t.effects.map((e) => e.kind)).toEqual(["suppress", "emit"]);
	});

	it("a soft bounce, an open and a click only add to the timeline (the soft bounce is told to webhooks)", () => {
		for (const event of [EVENTS["soft bounce"], EVENTS.opened, EVENTS.clicked]) {
			const t = transition(accepted, event);
			expect(t.changed).toBe(false);
			expect(t.effects.filter((e) => e.kind !== "emit")).toEqual([]);
			expect(t.timeline).toHaveLength(1);
		}
		expect(transition(accepted, EVENTS["soft bounce"]).timeline[0]?.type).toBe("soft_bounced");
		expect(transition(accepted, EVENTS.opened).effects).toEqual([]);
		expect(transition(accepted, EVENTS.clicked).effects).toEqual([]);
	});

	describe("webhook events (one emit effect per event, from here only)", () => {
		const emitted = (state: EmailState, event: LifecycleEvent) =>
			transition(state, event).effects.flatMap((e) => (e.kind === "emit" ? [e] : []));

		it("SES's acceptance is email.sent, once", () => {
			expect(emitted(base, EVENTS.accepted_by_ses)).toEqual([
				{ kind: "emit", type: "email.sent", extra: {} },
			]);
			expect(emitted(accepted, EVENTS.accepted_by_ses)).toEqual([]);
		});

		it("deliveries, delays and complaints are email.delivered, email.delivery_delayed, email.complained", () => {
			expect(emitted(accepted, EVENTS["delivered to a"]).map((e) => e.type)).toEqual([
				"email.delivered",
			]);
			expect(emitted(accepted, EVENTS.delivery_delayed).map((e) => e.type)).toEqual([
				"email.delivery_delayed",
			]);
			expect(emitted(accepted, EVENTS.complained).map((e) => e.type)).toEqual(["email.complained"]);
		});

		it("a soft bounce is email.bounced with its SES type, so hard and soft can be told apart", () => {
			expect(
				emitted(accepted, {
					...EVENTS["soft bounce"],
					details: { bounce_sub_type: "MailboxFull" },
				}),
			).toEqual([
				{
					kind: "emit",
					type: "email.bounced",
					extra: {
						bounce: {
							type: "Transient",
							subType: "MailboxFull",
							message: (EVENTS["soft bounce"] as { reason: string }).reason,
						},
					},
				},
			]);
		});

		it("a failure is email.failed with the reason; a suppressed recipient is email.suppressed", () => {
			expect(emitted(base, EVENTS.send_failed)).toEqual([
				{ kind: "emit", type: "email.failed", extra: { failed: { reason: "refused" } } },
			]);
			expect(
				emitted(base, {
					kind: "send_failed",
					code: "RecipientSuppressed",
					reason: "suppressed",
					at,
				}),
			).toEqual([
				{
					kind: "emit",
					type: "email.suppressed",
					extra: { suppressed: { type: "suppression_list", message: "suppressed" } },
				},
			]);
			expect(emitted(accepted, EVENTS.rejected).map((e) => e.type)).toEqual(["email.failed"]);
			// A send failure SES's acceptance made moot tells nobody anything.
			expect(emitted(accepted, EVENTS.send_failed)).toEqual([]);
		});
	});

	it("a send failure after SES accepted the email is ignored: it did reach SES", () => {
		const t = transition(accepted, EVENTS.send_failed);
		expect(t).toMatchObject({ changed: false, timeline: [], effects: [] });
	});
});
