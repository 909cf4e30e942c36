/**
 * The shared reputation's rules (product page: "Bounce rate ≥ 4% or complaint rate ≥ 0.08%
 * (over a minimum of 50 sends) automatically suspends"), as integer arithmetic so the
 * thresholds are exact: 2 bounces in 50 sends is 4.00% and suspends, 399 in 10,000 does not.
 */

export const REPUTATION_WINDOW_HOURS = 7 * 24;
export const MIN_SENDS = 50;
/** 4% = 4 per 100. */
export const BOUNCE_RATE = { numerator: 4, denominator: 100 };
/** 0.08% = 8 per 10,000. */
export const COMPLAINT_RATE = { numerator: 8, denominator: 10_000 };

export interface ReputationFigures {
	sends: number;
	hardBounces: number;
	complaints: number;
}

export type Verdict = { suspend: false } | { suspend: true; reason: string };

const percent = (part: number, whole: number) =>
	whole === 0 ? "0.00%" : `${((part / whole) * 100).toFixed(2)}%`;

export function judge(f: ReputationFigures): Verdict {
	if (f.sends < MIN_SENDS) return { suspend: false };
	if (f.hardBounces * BOUNCE_RATE.denominator >= f.sends * BOUNCE_RATE.numerator) {
		return {
			suspend: true,
			reason: `Bounce rate ${percent(f.hardBounces, f.sends)} (${f.hardBounces} hard bounces in ${f.sends} recipients over 7 days) reached the 4% limit.`,
		};
	}
	if (f.complaints * COMPLAINT_RATE.denominator >= f.sends * COMPLAINT_RATE.numerator) {
		return {
			suspend: true,
			reason: `Complaint rate ${percent(f.complaints, f.sends)} (${f.complaints} complaints in ${f.sends} recipients over 7 days) reached the 0.08% limit.`,
		};
	}
	return { suspend: false };
}

/** A warning is due from this fraction of a suspension threshold (the issue: 75%). */
export const WARNING_FRACTION = 0.75;

/**
 * The rate that passed 75% of its suspension threshold without reaching it, if any; nothing
 * below 50 sends, where nothing suspends.
 */
export function warningFor(f: ReputationFigures): "bounce_rate" | "complaint_rate" | null {
	if (f.sends < MIN_SENDS || judge(f).suspend) return null;
	const past = (count: number, rate: { numerator: number; denominator: number }) =>
		count * rate.denominator >= f.sends * rate.numerator * WARNING_FRACTION;
	if (past(f.hardBounces, BOUNCE_RATE)) return "bounce_rate";
	if (past(f.complaints, COMPLAINT_RATE)) return "complaint_rate";
	return null;
}

/**
 * How many more of `kind` (with no more sends) would cross that kind's threshold on its own;
 * null below 50 sends, where nothing suspends.
 */
export function headroom(f: ReputationFigures, kind: "hardBounces" | "complaints"): number | null {
	if (f.sends < MIN_SENDS) return null;
	const alone = { sends: f.sends, hardBounces: 0, complaints: 0 };
	for (let more = 0; more <= f.sends; more++) {
		if (judge({ ...alone, [kind]: f[kind] + more }).suspend) return more;
	}
	return null;
}

export function describeFigures(f: ReputationFigures) {
	return {
		window_days: REPUTATION_WINDOW_HOURS / 24,
		sends: f.sends,
		hard_bounces: f.hardBounces,
		complaints: f.complaints,
		bounce_rate: f.sends ? f.hardBounces / f.sends : 0,
		complaint_rate: f.sends ? f.complaints / f.sends : 0,
		thresholds: {
			min_sends: MIN_SENDS,
			bounce_rate: BOUNCE_RATE.numerator / BOUNCE_RATE.denominator,
			complaint_rate: COMPLAINT_RATE.numerator / COMPLAINT_RATE.denominator,
		},
	};
}

/**
 * SES's mailbox simulator does not count toward SES's own reputation figures, so it does not
 * count toward ours either. (The local simulator's @simulator.sendfleet.test addresses do.)
 */
export function countsForReputation(address: string): boolean {
	return !address.toLowerCase().endsWith("@simulator.amazonses.com");
}
