/**
 * Retention for attachments' bytes: deletes the R2 objects (the ATTACHMENTS bucket) of emails
 * older than 90 days, the same cutoff as the D1 purge (src/cron/purge.ts), which deletes the
 * attachments' rows with their emails (ON DELETE CASCADE) but cannot reach R2.
 *
 * Keys are `<emailId>/<attachmentId>` (src/domain/email-storage.ts) and email ids are UUIDv7,
 * so R2's lexicographic listing is oldest first: the purge lists from the start of the bucket,
 * deletes every key whose email id is below `idFloor(now - RETENTION)` and stops at the first
 * newer one. It goes by the key alone, never by D1, so it also removes orphans: objects whose
 * email row was never stored (a failed acceptance whose own clean-up failed too).
 *
 * Nothing to remember between runs: deleted keys are gone from the next listing (R2 deletes
 * are strongly consistent), so each page is listed from the start again, without a cursor.
 *
 * The budget, and where the numbers come from
 * (https://developers.cloudflare.com/r2/api/workers/workers-api-reference/):
 * - PAGE_SIZE = 1,000 keys: `list` returns at most 1,000 and `delete(keys[])` takes at most
 *   1,000, so a page costs one list (a Class A operation) and one delete (free,
 *   https://developers.cloudflare.com/r2/pricing/).
 * - MAX_PAGES = 20 per run, 40 R2 operations: 20,000 objects a run, 5.76 million a day at one
 *   run every five minutes, while leaving the invocation's subrequests to the D1 purge after it.
 * - MAX_MILLIS = 5 s: no page starts after that, so the D1 purge keeps most of its 20 s.
 */
import { idFloor } from "../lib/ids.ts";
import { RETENTION } from "./purge.ts";

export const PAGE_SIZE = 1000;
export const MAX_PAGES = 20;
export const MAX_MILLIS = 5_000;

/** An email id (UUIDv7) is the first 36 characters of its attachments' keys. */
const EMAIL_ID_LENGTH = 36;

export interface AttachmentPurgeOptions {
	/** Keys listed (and deleted) per page, at most 1,000. */
	pageSize?: number;
	maxPages?: number;
	maxMillis?: number;
}

export interface AttachmentPurgeReport {
	/** Objects deleted. */
	objects: number;
	/** True when no object of an expired email remains; false when the budget ran out first. */
	finished: boolean;
	/**
	 * No object is left of an email whose id sorts below this: the D1 purge deletes emails only
	 * below it, so an email never goes before its files, however short this run was cut.
	 */
	clearedBefore: string;
}

/** Deletes the objects of emails created before `now - RETENTION`, oldest first, bounded. */
export async function purgeExpiredAttachments(
	bucket: Pick<R2Bucket, "list" | "delete">,
	now: number,
	options: AttachmentPurgeOptions = {},
): Promise<AttachmentPurgeReport> {
	const pageSize = Math.min(options.pageSize ?? PAGE_SIZE, PAGE_SIZE);
	const maxPages = options.maxPages ?? MAX_PAGES;
	const stopAt = Date.now() + (options.maxMillis ?? MAX_MILLIS);
	const retainedFrom = idFloor(now - RETENTION);
	const report: AttachmentPurgeReport = { objects: 0, finished: false, clearedBefore: "" };

	for (let page = 0; page < maxPages && Date.now() < stopAt; page++) {
		const listed = await bucket.list({ limit: pageSize });
		const keys: string[] = [];
		for (const { key } of listed.objects) {
			if (key.slice(0, EMAIL_ID_LENGTH) >= retainedFrom) break;
			keys.push(key);
		}
		if (keys.length) await bucket.delete(keys);
		report.objects += keys.length;
		// Keys go in order: every email below the last one deleted has no object left (that one
		// may have more in the next page).
		const last = keys.at(-1);
		if (last) report.clearedBefore = last.slice(0, EMAIL_ID_LENGTH);
		// Done at the first key inside the retention, or at the end of the bucket. `truncated`,
		// not the page's length, says whether more follow: R2 may return fewer than `limit`.
		if (keys.length < listed.objects.length || !listed.truncated) {
			report.finished = true;
			report.clearedBefore = retainedFrom;
			return report;
		}
	}
	return report;
}
