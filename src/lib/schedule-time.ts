/**
 * Resend's `scheduled_at`: when a scheduled email goes out. Resend takes an ISO 8601 date-time
 * ("2026-12-01T09:00:00Z") or natural language ("in 1 min", "tomorrow at 9am", "Friday at 3pm
 * ET"), up to 30 days ahead (resend.com/docs/dashboard/emails/schedule-email).
 *
 * - An ISO 8601 date-time must name its zone (`Z` or an offset): without one, "09:00" is a
 *   different instant in every zone, and a guess would send at the wrong hour.
 * - Natural language is read by chrono-node, with `now` as the reference. Text that names no zone
 *   ("tomorrow at 9:30am") is read in UTC, as the API has no account time zone to assume. The
 *   whole text must be one date: "hello in 5 minutes" or "in -5 minutes" are refused rather than
 *   half-read.
 * - A time up to 60 s in the past is taken as now (the client's clock may be behind ours, and
 *   "now" itself is a few ms old by the time it arrives); earlier is refused.
 */
// Natural-language dates are a solved problem: chrono-node, rather than a parser of our own.
import * as chrono from "chrono-node";
import { DAY, SECOND, toIso } from "./time.ts";

export const MAX_SCHEDULE_AHEAD_MS = 30 * DAY;
/** How far in the past a time may be and still mean "now". */
export const SCHEDULE_CLOCK_SKEW_MS = 60 * SECOND;
/** Longer text is no date Resend documents, and chrono's cost grows with the input. */
export const MAX_SCHEDULED_AT_LENGTH = 100;

export type ScheduleTime = { kind: "ok"; at: number } | { kind: "invalid"; message: string };

// RFC 3339's profile of ISO 8601: date, `T` (or a space), time to the minute or beyond, a zone.
const ISO_DATE_TIME =
	/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const STARTS_LIKE_ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

/** `input` as an instant between now and 30 days ahead, or a sentence saying why not. */
export function parseScheduledAt(input: string, now: number): ScheduleTime {
	const text = input.trim();
	if (text.length > MAX_SCHEDULED_AT_LENGTH) {
		return invalid(`\`scheduled_at\` must be at most ${MAX_SCHEDULED_AT_LENGTH} characters.`);
	}
	const at = STARTS_LIKE_ISO_DATE.test(text) ? parseIso(text) : parseNaturalLanguage(text, now);
	if (at.kind === "invalid") return at;
	return checkWindow(text, at.at, now);
}

function parseIso(text: string): ScheduleTime {
	const match = ISO_DATE_TIME.exec(text);
	if (!match) {
		return invalid(
			`\`scheduled_at\` ${quote(text)} is not an ISO 8601 date-time; give the date, the time and the zone, e.g. 2026-12-01T09:00:00Z.`,
		);
	}
	const [, year, month, day, hour, minute, second = "0", fraction = "", zone] = match;
	if (zone === undefined) {
		return invalid(
			`\`scheduled_at\` ${quote(text)} has no time zone; add \`Z\` for UTC or an offset such as +02:00.`,
		);
	}
	const y = toNumber(year);
	const mo = toNumber(month);
	const d = toNumber(day);
	const h = toNumber(hour);
	const mi = toNumber(minute);
	const s = toNumber(second);
	const ms = Number(fraction.padEnd(3, "0").slice(0, 3));
	const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
	const asDate = new Date(local);
	// Date.UTC rolls 2026-02-30 over to March: a date that does not come back whole is not a date.
	const exists =
		asDate.getUTCFullYear() === y &&
		asDate.getUTCMonth() === mo - 1 &&
		asDate.getUTCDate() === d &&
		h <= 23 &&
		mi <= 59 &&
		s <= 59;
	const offset = zoneOffsetMinutes(zone);
	if (!exists || offset === null) {
		return invalid(`\`scheduled_at\` ${quote(text)} is not a valid date-time.`);
	}
	return { kind: "ok", at: local - offset * 60 * SECOND };
}

/** Minutes east of UTC for `Z`, `+02:00`, `+0200` or `+02`; null past ±23:59. */
function zoneOffsetMinutes(zone: string): number | null {
	if (zone.toUpperCase() === "Z") return 0;
	const sign = zone.startsWith("-") ? -1 : 1;
	const digits = zone.slice(1).replace(":", "");
	const hours = Number(digits.slice(0, 2));
	const minutes = Number(digits.slice(2) || "0");
	if (hours > 23 || minutes > 59) return null;
	return sign * (hours * 60 + minutes);
}

function parseNaturalLanguage(text: string, now: number): ScheduleTime {
	// timezone 0: text naming no zone is read in UTC; forwardDate: "Friday" is the coming one.
	const results = chrono.parse(
		text,
		{ instant: new Date(now), timezone: 0 },
		{ forwardDate: true },
	);
	const [only] = results;
	if (results.length !== 1 || only === undefined || only.index !== 0 || only.text !== text) {
		return invalid(
			`\`scheduled_at\` ${quote(text)} is neither an ISO 8601 date-time (e.g. 2026-12-01T09:00:00Z) nor a time such as "in 1 hour" or "tomorrow at 9am UTC".`,
		);
	}
	return { kind: "ok", at: only.date().getTime() };
}

function checkWindow(text: string, at: number, now: number): ScheduleTime {
	if (at < now - SCHEDULE_CLOCK_SKEW_MS) {
		return invalid(`\`scheduled_at\` must not be in the past; ${quote(text)} is ${toIso(at)}.`);
	}
	if (at > now + MAX_SCHEDULE_AHEAD_MS) {
		return invalid(
			`\`scheduled_at\` must be at most 30 days ahead; ${quote(text)} is ${toIso(at)}.`,
		);
	}
	return { kind: "ok", at: Math.max(at, now) };
}

/** The pattern guarantees the digits; `?? ""` (NaN) only satisfies the type checker. */
function toNumber(digits: string | undefined): number {
	return Number(digits ?? "");
}

function invalid(message: string): ScheduleTime {
	return { kind: "invalid", message };
}

function quote(text: string): string {
	return JSON.stringify(text);
}
