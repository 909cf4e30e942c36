/**
 * Phase E, fairness: on the product entry (wrangler.toml's main, metrics off) at
 * SES_MAX_SEND_RATE=1000, one account puts a backlog in the pipeline (--fairness-batches batches
 * of 100, 10,000 emails, as fast as its request rate allows: 100 requests fit in a Pro burst),
 * and as soon as the last batch is accepted another account sends one single. The figure is how
 * long that single takes from its 200 to the simulator's SES (polled in the simulator's store,
 * by recipient), bounded at FAIRNESS_PROBE_TIMEOUT_MS ("> 120 s"). Then a third account, one
 * whose campaigns take another bulk queue than the first's (src/domain/lanes.ts), sends a campaign
 * of CAMPAIGN_BATCHES batches: how long until the simulator holds all of it, and how much of the
 * backlog was still waiting then (on one bulk queue the campaign would wait for all of it).
 */
import { bulkLaneOf } from "../../src/domain/lanes.ts";
import { accounts, STATE_DIR, seedBenchAccounts } from "./accounts.ts";
import { email, load, post, waitFor } from "./load.ts";
import {
	BATCH_SIZE,
	config,
	DRAIN_TIMEOUT_MS,
	FAIRNESS_PROBE_TIMEOUT_MS,
	SES_MAX_SEND_RATE,
} from "./options.ts";
import { check, fixed, problems } from "./outcome.ts";
import { startStack, stopStack, throwIfInterrupted } from "./stack.ts";

export interface Fairness {
	backlogEmails: number;
	/** Seconds to accept the backlog. */
	backlogAcceptSeconds: number;
	/** Backlog emails already in the simulator when the single was accepted. */
	backlogSentBeforeProbe: number;
	/** Seconds from the single's 200 until the simulator held it; undefined past the bound. */
	probeSeconds: number | undefined;
	/** Backlog emails in the simulator when the single arrived (or at the bound). */
	backlogSentBeforeArrival: number;
	campaign?: Campaign;
}

/** Another account's campaign sent while the backlog drains. */
interface Campaign {
	emails: number;
	/** Seconds from its first batch's 200 until the simulator held all of it; undefined past the bound. */
	seconds: number | undefined;
	/** Backlog emails in the simulator when the campaign was accepted, and when it was all sent. */
	backlogSentBefore: number;
	backlogSentAfter: number;
}

const CAMPAIGN_BATCHES = 10;
const CAMPAIGN = "fairness-campaign-";

const PROBE = "fairness-probe@example.org";

export async function phaseE(): Promise<Fairness | undefined> {
	throwIfInterrupted();
	console.log(
		`Phase E: fairness (metrics off, SES_MAX_SEND_RATE=${SES_MAX_SEND_RATE}). Starting the local stack…`,
	);
	const [busy, other] = accounts;
	if (!busy || !other) throw new Error("fairness needs two benchmark accounts");
	seedBenchAccounts();
	const s = await startStack({ persistTo: STATE_DIR });
	const inbox = (prefix: string) =>
		s.simulator.store.listMessages().filter((m) => m.to.some((to) => to.startsWith(prefix))).length;

	// Warm-up: both accounts' guards, the consumer and the D1 file; then a clean inbox.
	for (const [i, account] of [busy, other].entries()) {
		await post(s, account, "/emails", email(account, `fairness-warm-${i}@example.org`));
	}
	await waitFor(() => inbox("fairness-warm-") >= 2);
	s.simulator.store.clearMessages();

	const backlog = await load(config.fairnessBatches, (b) =>
		post(
			s,
			busy,
			"/emails/batch",
			Array.from({ length: BATCH_SIZE }, (_, j) =>
				email(busy, `fairness-backlog-${b * BATCH_SIZE + j}@example.org`),
			),
		),
	);
	check("E POST /emails/batch (backlog, one account)", backlog, config.fairnessBatches);
	const backlogSentBeforeProbe = inbox("fairness-backlog-");

	const probe = await post(s, other, "/emails", email(other, PROBE));
	const probeBody = await probe.text();
	const acceptedAt = performance.now();
	if (!probe.ok) {
		problems.push(`fairness: the single answered ${probe.status}: ${probeBody.slice(0, 200)}`);
		await stopStack();
		return undefined;
	}
	const deadline = acceptedAt + FAIRNESS_PROBE_TIMEOUT_MS;
	let arrivedAt: number | undefined;
	while (performance.now() < deadline) {
		if (s.simulator.store.listMessages({ to: PROBE }).length > 0) {
			arrivedAt = performance.now();
			break;
		}
		await new Promise((r) => setTimeout(r, 20));
	}
	const result: Fairness = {
		backlogEmails: backlog.ok * BATCH_SIZE,
		backlogAcceptSeconds: backlog.seconds,
		backlogSentBeforeProbe,
		probeSeconds: arrivedAt === undefined ? undefined : (arrivedAt - acceptedAt) / 1000,
		backlogSentBeforeArrival: inbox("fairness-backlog-"),
	};

	const campaigner = accounts.find(
		(a) => a !== other && bulkLaneOf(a.accountId) !== bulkLaneOf(busy.accountId),
	);
	if (campaigner) {
		const backlogSentBefore = inbox("fairness-backlog-");
		const campaign = await load(CAMPAIGN_BATCHES, (b) =>
			post(
				s,
				campaigner,
				"/emails/batch",
				Array.from({ length: BATCH_SIZE }, (_, j) =>
					email(campaigner, `${CAMPAIGN}${b * BATCH_SIZE + j}@example.org`),
				),
			),
		);
		check("E POST /emails/batch (campaign, another account)", campaign, CAMPAIGN_BATCHES);
		const emails = campaign.ok * BATCH_SIZE;
		const doneAt = await waitFor(() => inbox(CAMPAIGN) >= emails);
		result.campaign = {
			emails,
			seconds:
				doneAt === undefined || campaign.firstOkAt === undefined
					? undefined
					: (doneAt - campaign.firstOkAt) / 1000,
			backlogSentBefore,
			backlogSentAfter: inbox("fairness-backlog-"),
		};
	}
	await stopStack();
	return result;
}

export function fairnessReport(f: Fairness) {
	const waited =
		f.probeSeconds === undefined
			? `> ${FAIRNESS_PROBE_TIMEOUT_MS / 1000} s`
			: `${fixed(f.probeSeconds, 2)} s`;
	console.log(`
Fairness (metrics off, SES_MAX_SEND_RATE=${SES_MAX_SEND_RATE}): one account's backlog, another account's single
  backlog: ${fixed(f.backlogEmails)} emails from one account (${fixed(f.backlogEmails / BATCH_SIZE)} batches of ${BATCH_SIZE}), accepted in ${fixed(f.backlogAcceptSeconds, 1)} s
  then one single from another account:
    its 200 until the SES simulator holds it   ${waited}
    backlog already sent when it was accepted   ${fixed(f.backlogSentBeforeProbe)} of ${fixed(f.backlogEmails)}
    backlog sent before it arrived              ${fixed(f.backlogSentBeforeArrival)} of ${fixed(f.backlogEmails)}${f.probeSeconds === undefined ? " (when the wait was given up)" : ""}
  Issue 15's target: within 2 s.`);
	const c = f.campaign;
	if (!c) return;
	const took =
		c.seconds === undefined ? `> ${DRAIN_TIMEOUT_MS / 1000} s` : `${fixed(c.seconds, 1)} s`;
	console.log(`  then a campaign of ${fixed(c.emails)} emails (${fixed(c.emails / BATCH_SIZE)} batches) from a third account, on another bulk queue:
    its first 200 until the SES simulator holds all of it   ${took}
    backlog sent when it was accepted / when it was all sent   ${fixed(c.backlogSentBefore)} / ${fixed(c.backlogSentAfter)} of ${fixed(f.backlogEmails)}
  (on one bulk queue it would have waited for the rest of the backlog: ${fixed(f.backlogEmails - c.backlogSentBefore)} emails.)`);
}
