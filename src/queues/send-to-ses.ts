/**
 * The send consumer's conversation with SES: each email paced to the shared account's rate in
 * recipients per second, its slots reserved in chunks from the one SendPacer that every lane's
 * consumers share (src/lib/pace.ts, src/durable-objects/send-pacer.ts), a throttle reported
 * there so it slows every sender down rather than parking the backlog, an SES 5xx tried a few
 * times in the run, and each result handed to the lifecycle as it comes. Only after THROTTLED_FOR_LONG of throttling in one run are the rest
 * handed back to the queue as new messages, so throttling never uses up an email's retries.
 *
 * An email's attachments are read from R2 just before its call and dropped after it, within a
 * budget of FILE_BYTES_IN_FLIGHT, so six 30 MB messages never sit in one Worker's 128 MB at
 * once: the big ones go one at a time while small ones keep flowing.
 */
import type { AttachmentRow } from "../db/queries/attachments.ts";
import type { EmailRow } from "../db/queries/emails.ts";
import type { EmailEventInput } from "../domain/email-recorder.ts";
import type { FileStore } from "../domain/email-storage.ts";
import { sendKey } from "../domain/event-effects.ts";
import type { Lane } from "../domain/lanes.ts";
import { recipientAddresses } from "../lib/addresses.ts";
import { type Budget, createBudget } from "../lib/budget.ts";
import { createSharedPacer, type Pacer, type PaceService, type Slot } from "../lib/pace.ts";
import type { SesClient } from "../services/ses.ts";
import { type SesFile, toSesRequest } from "../services/ses-request.ts";
import { retryDelaySeconds } from "./retry.ts";
import type { EmailHandle } from "./send-ledger.ts";

/** Past this much throttling in one run, the rest go back to the queue (no retry used). */
const THROTTLED_FOR_LONG = 60_000;
const REQUEUE_AFTER_SECONDS = 15;
/** An SES 5xx or network failure is tried this often in one run before the queue retries it. */
const TRIES_PER_RUN = 3;
/** Attachment bytes held at once by one run (raw; the request body is 4/3 of it on top). */
const FILE_BYTES_IN_FLIGHT = 32 * 1024 * 1024;
/**
 * Files read from R2 in one run: an invocation's calls are bounded (1,000 subrequests on
 * Workers Paid), so emails past it go back to the queue unsent (no retry used up) rather than
 * fail the run for every email in it.
 */
const MAX_FILE_READS_PER_RUN = 500;
const SES_THROTTLE_CODES = new Set([
	"TooManyRequestsException",
	"ThrottlingException",
	"Throttling",
]);

export interface SesSendDeps {
	ses: SesClient;
	configurationSet: string;
	/** The one pace of the shared SES account (the SendPacer). */
	pace: PaceService;
	/** The lane this run consumes: express reservations are served ahead of bulk's. */
	lane: Lane;
	/** The ATTACHMENTS bucket. */
	files?: FileStore;
	/** MAX_FILE_READS_PER_RUN unless a test sets it. */
	maxFileReadsPerRun?: number;
}

/**
 * Sends each email, paced, and records each result as soon as D1 takes it. At most six in
 * flight: a Worker invocation may hold six outgoing connections at once. The SES calls do not
 * wait for D1: results are written in groups (`createGroupRecorder`), so a run's pace is set by
 * SES and the pacer, not by one D1 round trip per email.
 */
export async function sendAll(
	deps: SesSendDeps,
	emails: EmailRow[],
	work: Map<string, EmailHandle>,
	record: (inputs: EmailEventInput[]) => Promise<void>,
	attachments: Map<string, AttachmentRow[]> = new Map(),
) {
	const recipients = emails.reduce((n, e) => n + recipientAddresses(e).length, 0);
	const pacer = createSharedPacer(deps.pace, deps.lane, recipients);
	const budget = createBudget(FILE_BYTES_IN_FLIGHT);
	const recorder = createGroupRecorder(record);
	let fileReadsLeft = deps.maxFileReadsPerRun ?? MAX_FILE_READS_PER_RUN;
	const throttling = { since: null as number | null, total: 0 };
	let next = 0;
	const worker = async () => {
		while (next < emails.length) {
			const email = emails[next++] as EmailRow;
			const handle = work.get(email.id);
			if (!handle) continue;
			const rows = attachments.get(email.id) ?? [];
			if (rows.length > fileReadsLeft) {
				handle.requeue(REQUEUE_AFTER_SECONDS);
				continue;
			}
			fileReadsLeft -= rows.length;
			const result = await sendOne(deps, pacer, throttling, email, { rows, budget });
			if (result.kind === "requeue") {
				handle.requeue(REQUEUE_AFTER_SECONDS);
				continue;
			}
			if (result.kind === "retry") {
				console.warn("send queue: SES unavailable", email.id, result.code);
				handle.retry({ delaySeconds: retryDelaySeconds(handle.attempts) });
				continue;
			}
			recorder.add(result.input, handle);
		}
	};
	await Promise.all(Array.from({ length: Math.min(6, emails.length) }, worker));
	await recorder.drained();
}

/** A run's results wait this long for others before they are written, unless enough wait. */
const RESULTS_WAIT_MS = 250;
/** Results written together as soon as this many wait. */
const RESULTS_PER_WRITE = 50;

/**
 * Group commit of a run's results: they wait for each other (up to RESULTS_PER_WRITE, or
 * RESULTS_WAIT_MS after the first, or the run's last send) and for the write in D1 to end, then
 * go together in one D1 batch, where a send group's emails share one send mark
 * (src/db/queries/send-marks.ts): written as they came, a run's results went one or two at a
 * time, and each mark cost the row it was meant to share. Each email is acked only once its own
 * result is stored. A crash re-sends at most the emails in flight and the results not yet
 * written (a quarter of a second's, or 50, plus those of the write in D1).
 */
function createGroupRecorder(record: (inputs: EmailEventInput[]) => Promise<void>) {
	let waiting: { input: EmailEventInput; handle: EmailHandle }[] = [];
	let since = 0;
	let writing: Promise<void> | null = null;
	let timer: ReturnType<typeof setTimeout> | null = null;
	let last = false;
	const write = async (group: typeof waiting) => {
		try {
			await record(group.map((g) => g.input));
			for (const g of group) g.handle.ack();
		} catch (cause) {
			// SES has them; the retry finds them still waiting and sends them again (at least once).
			console.error("send queue: could not record the results", group.length, cause);
			for (const g of group) g.handle.retry({ delaySeconds: 5 });
		}
	};
	const pump = () => {
		if (writing || waiting.length === 0) return;
		const waited = Date.now() - since;
		if (!last && waiting.length < RESULTS_PER_WRITE && waited < RESULTS_WAIT_MS) {
			timer ??= setTimeout(() => {
				timer = null;
				pump();
			}, RESULTS_WAIT_MS - waited);
			return;
		}
		if (timer) clearTimeout(timer);
		timer = null;
		const group = waiting;
		waiting = [];
		writing = write(group).finally(() => {
			writing = null;
			pump();
		});
	};
	return {
		add(input: EmailEventInput, handle: EmailHandle) {
			if (waiting.length === 0) since = Date.now();
			waiting.push({ input, handle });
			pump();
		},
		/** After the run's last send: writes what waits at once, and waits for the writes. */
		async drained() {
			last = true;
			pump();
			while (writing) await writing;
		},
	};
}

type SendResult =
	| { kind: "done"; input: EmailEventInput }
	| { kind: "retry"; code: string }
	| { kind: "requeue" };

/** Sends one email with its files, holding their bytes in the budget only meanwhile. */
async function sendOne(
	deps: SesSendDeps,
	pacer: Pacer,
	throttling: { since: number | null; total: number },
	email: EmailRow,
	attachments: { rows: AttachmentRow[]; budget: Budget },
): Promise<SendResult> {
	const { rows, budget } = attachments;
	if (rows.length === 0) return sendWith(deps, pacer, throttling, email, []);
	const bytes = rows.reduce((n, row) => n + row.size, 0);
	await budget.take(bytes);
	try {
		const files = await readFiles(deps, rows);
		if (files.kind === "missing") {
			const reason = `Not sent: its attachment ${files.filename} is no longer stored.`;
			return { kind: "done", input: sendFailed(email, "AttachmentMissing", reason, Date.now()) };
		}
		return await sendWith(deps, pacer, throttling, email, files.files);
	} catch (cause) {
		console.warn("send queue: could not read attachments", email.id, cause);
		return { kind: "retry", code: "AttachmentsUnavailable" };
	} finally {
		budget.give(bytes);
	}
}

async function readFiles(
	deps: SesSendDeps,
	rows: AttachmentRow[],
): Promise<{ kind: "ok"; files: SesFile[] } | { kind: "missing"; filename: string }> {
	if (!deps.files) throw new Error("the ATTACHMENTS bucket is not bound");
	const bucket = deps.files;
	const objects = await Promise.all(rows.map((row) => bucket.get(row.r2Key)));
	const files: SesFile[] = [];
	for (const [i, row] of rows.entries()) {
		const object = objects[i];
		if (!object) return { kind: "missing", filename: row.filename };
		files.push({
			filename: row.filename,
			contentType: row.contentType,
			contentId: row.contentId,
			bytes: new Uint8Array(await object.arrayBuffer()),
		});
	}
	return { kind: "ok", files };
}

async function sendWith(
	deps: SesSendDeps,
	pacer: Pacer,
	throttling: { since: number | null; total: number },
	email: EmailRow,
	files: SesFile[],
): Promise<SendResult> {
	const recipients = recipientAddresses(email).length;
	const request = toSesRequest(
		email,
		{ emailId: email.id, configurationSet: deps.configurationSet },
		files,
	);
	for (let tries = 1; ; ) {
		if (throttling.total >= THROTTLED_FOR_LONG) return { kind: "requeue" };
		let slot: Slot;
		try {
			slot = await pacer.take(recipients);
		} catch (cause) {
			// Without the one pace nothing is sent (fail closed); the queue retries it with backoff.
			console.error("send queue: the send pacer is unavailable", email.id, cause);
			return { kind: "retry", code: "PacerUnavailable" };
		}
		const outcome = await deps.ses.sendEmail(request);
		const now = Date.now();
		if (outcome.kind === "retry" && SES_THROTTLE_CODES.has(outcome.code)) {
			throttling.since ??= now;
			pacer.throttled(slot);
			continue;
		}
		if (throttling.since !== null) {
			throttling.total += now - throttling.since;
			throttling.since = null;
		}
		if (outcome.kind === "ok") {
			pacer.succeeded();
			return {
				kind: "done",
				input: {
					email,
					event: { kind: "accepted_by_ses", sesMessageId: outcome.value.MessageId, at: now },
					key: sendKey(email.id),
				},
			};
		}
		if (outcome.kind === "fail") {
			const reason = `SES refused the email (${outcome.code}): ${outcome.message}`;
			return { kind: "done", input: sendFailed(email, outcome.code, reason, now) };
		}
		if (++tries > TRIES_PER_RUN) return { kind: "retry", code: outcome.code };
		await new Promise((resolve) => setTimeout(resolve, 500 * tries));
	}
}

/** An email that never reached SES: the lifecycle marks it failed with the reason. */
export function sendFailed(
	email: EmailRow,
	code: string,
	reason: string,
	at: number,
): EmailEventInput {
	return {
		email,
		event: { kind: "send_failed", code, reason, at },
		key: `send-failed:${email.id}`,
	};
}
