/**
 * SendPacer: the one place the shared SES account's send rate is enforced (a singleton Durable
 * Object, reached by name through `pacerFor`). Every run of every send lane's consumer reserves
 * its slots here in chunks and reports SES's successes and throttles, so the rate holds across
 * lanes and concurrent consumers, a throttle slows all of them, and express reservations are
 * served ahead of bulk (the schedule is in src/lib/pace.ts).
 *
 * State in memory only, no storage writes: a Durable Object runs one call at a time, so the
 * horizon is exact; a restart (deploy, eviction) starts from the full rate with an empty
 * horizon, which at worst lets SES see one burst that its own throttling answers and the AIMD
 * then absorbs. One object carries on the order of a thousand reservations per second, each
 * covering up to GRANT_MS of sends (250 recipients at 1,000/s), far above what one SES account
 * allows.
 */
import { DurableObject } from "cloudflare:workers";
import {
	createPaceSchedule,
	type Grant,
	type PaceSchedule,
	type PaceService,
	type Reservation,
} from "../lib/pace.ts";

export class SendPacer extends DurableObject<Env> implements PaceService {
	private schedule: PaceSchedule | null = null;

	async reserve(reservation: Reservation): Promise<Grant> {
		this.schedule ??= createPaceSchedule(Number(this.env.SES_MAX_SEND_RATE) || 1);
		return this.schedule.reserve(reservation);
	}

	/** The current rate, recipients per second (for tests and diagnostics). */
	async rate(): Promise<number> {
		return this.schedule?.rate ?? (Number(this.env.SES_MAX_SEND_RATE) || 1);
	}
}
