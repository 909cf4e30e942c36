/**
 * Storing accepted emails: the attachments' bytes in R2 first, then at once (one round trip on
 * the request path) the emails due now (or within the minute) named on the send queue and the
 * rows in one D1 batch (emails, a scheduled one with its first timeline entry; their lookup
 * rows; attachments' metadata). Emails due now may share their message with other requests'
 * arriving at the same time (`queueDue`: a group commit per queue binding and isolate).
 *
 * A client told "failed" is never sent anything, and an accepted email always has its message:
 * - a message whose row was never stored is dropped by the consumer (after a grace period for
 *   a message that overtook its row, src/queues/send.ts);
 * - rows stored without their message are deleted again; if even that fails the email stays
 *   accepted, and the stuck-email sweep (src/cron/requeue-stuck-emails.ts) queues it;
 * - a scheduled email due later gets its message from the minute's dispatch
 *   (src/cron/dispatch-scheduled.ts);
 * - an object whose row was never stored is deleted here or, failing that, by the purge, which
 *   deletes objects by age (src/cron/purge-attachments.ts).
 */
import type { Db } from "../db/client.ts";
import { type AttachmentRow, insertAttachmentsStatements } from "../db/queries/attachments.ts";
import { packBodies } from "../db/queries/email-bodies.ts";
import {
	deleteEmailsStatements,
	insertEmailsStatements,
	type NewEmail,
	runBatch,
} from "../db/queries/emails.ts";
import { newSendGroup } from "../db/queries/send-marks.ts";
import type { TimelineRow } from "../db/schema.ts";
import { chunk } from "../lib/chunk.ts";
import { createGroupCommit, type GroupCommit, type KeepAlive } from "../lib/group-commit.ts";
import { uuidv7 } from "../lib/ids.ts";
import type { ResolvedFile } from "./attachments.ts";
import { createSendGroups, type SendGroups } from "./send-groups.ts";
import { MAX_IDS_PER_MESSAGE, queueEmails, type SendMessage } from "./send-message.ts";

/** Where attachments' bytes live: the R2 bucket (its `put`, `get` and `delete`). */
export type FileStore = Pick<R2Bucket, "put" | "get" | "delete">;

/** Scheduled emails due within this much are queued at once, with a delay, to the second. */
export const DISPATCH_AHEAD_MS = 60_000;

export interface StoreDeps {
	db: Db;
	queue: Queue<SendMessage>;
	files?: FileStore;
	/**
	 * The request's `ctx.waitUntil`: with it, emails due now may share a message with other
	 * requests' (queueDue); without it, each request writes its own.
	 */
	keepAlive?: KeepAlive;
}

export interface EmailToStore {
	row: NewEmail & { id: string };
	files: ResolvedFile[];
}

/** The R2 key of an attachment: its email's id first, so keys sort by age. */
export const attachmentKey = (emailId: string, attachmentId: string) =>
	`${emailId}/${attachmentId}`;

/** Seconds to hold a queue message so it arrives when the email is due (0 for now). */
export const delayUntil = (at: number | null | undefined, now: number) =>
	at ? Math.max(0, Math.ceil((at - now) / 1000)) : 0;

/** Stores the emails; false, with nothing kept, if any step fails. */
export async function storeEmails(
	deps: StoreDeps,
	emails: EmailToStore[],
	now: number,
): Promise<boolean> {
	const attachments = emails.flatMap(({ row, files }) =>
		files.map((file, position): AttachmentRow & { bytes: Uint8Array } => {
			const id = uuidv7(now);
			return {
				id,
				emailId: row.id,
				accountId: row.accountId,
				filename: file.filename,
				contentType: file.contentType,
				size: file.bytes.length,
				contentId: file.contentId,
				r2Key: attachmentKey(row.id, id),
				position,
				bytes: file.bytes,
			};
		}),
	);
	const keys = attachments.map((a) => a.r2Key);
	// R2 deletes at most 1,000 keys a call.
	const forget = () =>
		Promise.all(
			chunk(keys, 1000).map((part) =>
				deps.files
					?.delete(part)
					.catch((cause) => console.error("attachments left to the purge", cause)),
			),
		);
	try {
		if (attachments.length) {
			const files = deps.files;
			if (!files) throw new Error("the ATTACHMENTS bucket is not bound");
			await Promise.all(
				attachments.map((a) =>
					files.put(a.r2Key, a.bytes, { httpMetadata: { contentType: a.contentType } }),
				),
			);
		}
	} catch (cause) {
		console.error("could not store the attachments", cause);
		await forget();
		return false;
	}
	const due = emails.filter(
		({ row }) => !row.scheduledAt || row.scheduledAt - now <= DISPATCH_AHEAD_MS,
	);
	const packed = await Promise.all(
		emails.map(({ row }) =>
			packBodies(
				row.scheduledAt
					? { ...row, timeline: [scheduledEntry(row.scheduledAt, row.id, now)] }
					: row,
			),
		),
	);
	const queuing = queueDue(
		deps,
		due.map(({ row }) => ({ id: row.id, delaySeconds: delayUntil(row.scheduledAt, now) })),
		now,
	);
	// The emails sent at once are in the send group of their queue message, whose sends the
	// consumer records in one mark (src/db/queries/send-marks.ts).
	const rows = packed.map((row) =>
		row.scheduledAt ? row : { ...row, sendGroup: queuing.sendGroup },
	);
	// The queue and D1 at once: one round trip on the request path instead of two.
	const [queued, inserted] = await Promise.allSettled([
		queuing.sent,
		runBatch(deps.db, [
			...insertEmailsStatements(deps.db, rows),
			...insertAttachmentsStatements(
				deps.db,
				attachments.map(({ bytes: _, ...row }) => row),
			),
		]),
	]);
	if (queued.status === "fulfilled" && inserted.status === "fulfilled") return true;
	console.error(
		"could not queue or store the emails",
		queued.status === "rejected"
			? queued.reason
			: inserted.status === "rejected" && inserted.reason,
	);
	if (inserted.status === "fulfilled") {
		// Stored but not queued: take the rows back, so the client told "failed" is never sent
		// anything. If that fails too, the email stays accepted: the stuck-email sweep queues it.
		try {
			await runBatch(deps.db, deleteEmailsStatements(deps.db, rows));
		} catch (cause) {
			console.error("queue failed and the rows stay; the sweep will queue them", cause);
			return true;
		}
	}
	await forget();
	return false;
}

/**
 * Sends of emails due now in flight on one queue, in this isolate, before a request's ids wait
 * to share the next message. One: an idle isolate adds no wait; a request that comes while a
 * send is in flight waits for it to end, then for its message's, mostly behind its own D1
 * insert. Two made messages smaller, and fewer of their sends and deliveries went in marks:
 * about $0.30 more per million singles (docs/scaling.md, "Singles that arrive together").
 */
const SENDS_IN_FLIGHT = 1;
/** A member whose message has not gone by then fails (rows taken back), rather than hang. */
const SHARED_SEND_TIMEOUT_MS = 10_000;

/** One group commit per queue binding (express, bulk) and isolate, and its send groups. */
const groupCommits = new WeakMap<
	Queue<SendMessage>,
	{ commit: GroupCommit<string>; groups: SendGroups }
>();

/**
 * Queues the emails: those due now through the queue's group commit (src/lib/group-commit.ts),
 * so singles arriving together share a message; those delayed to their second as before.
 * Answers at once with the send group of the emails due now: their message's, which other
 * requests' emails in it, and the isolate's messages around it, share (src/domain/send-groups.ts).
 */
function queueDue(
	deps: StoreDeps,
	emails: { id: string; delaySeconds: number }[],
	now: number,
): { sendGroup: number; sent: Promise<void> } {
	const immediate = emails.filter((e) => e.delaySeconds === 0).map((e) => e.id);
	const later = emails.filter((e) => e.delaySeconds > 0);
	const { queue, keepAlive } = deps;
	let sendGroup = newSendGroup(now);
	if (!keepAlive || immediate.length === 0) return { sendGroup, sent: queueEmails(queue, emails) };
	let line = groupCommits.get(queue);
	if (!line) {
		const groups = createSendGroups();
		const commit = createGroupCommit<string>({
			send: (ids) =>
				queueEmails(
					queue,
					ids.map((id) => ({ id })),
				),
			maxInFlight: SENDS_IN_FLIGHT,
			maxItems: MAX_IDS_PER_MESSAGE,
			timeoutMs: SHARED_SEND_TIMEOUT_MS,
			newKey: groups.next,
		});
		line = { commit, groups };
		groupCommits.set(queue, line);
	}
	const { groups } = line;
	const shared = line.commit(immediate, keepAlive, (key) => {
		sendGroup = key;
		groups.joined(key, immediate.length);
	});
	// queueEmails sends nothing for an empty list.
	return { sendGroup, sent: Promise.all([shared, queueEmails(queue, later)]).then(() => {}) };
}

/** A scheduled email's timeline starts with when it is due. */
function scheduledEntry(scheduledAt: number, emailId: string, now: number): TimelineRow {
	return {
		type: "scheduled",
		recipient: null,
		details: { scheduled_at: new Date(scheduledAt).toISOString() },
		at: now,
		key: `scheduled:${emailId}`,
	};
}
