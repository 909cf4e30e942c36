/**
 * D1 storage and one attachment's R2 and D1 cost per million emails, printed beside phase B's
 * cost table rather than in it: what is stored depends on the customers' bodies and files more
 * than on our code.
 */

import type { Usage } from "./measure-usage.ts";
import { ATTACHMENT_BYTES, RECEIPT_HTML_BYTES } from "./options.ts";
import { fixed, money, table } from "./outcome.ts";
import {
	D1_STORAGE_PER_KB_PER_MILLION,
	d1StoragePerEmail,
	PRICES,
	perEmail,
	r2CostPerMillion,
	r2PerEmail,
} from "./prices.ts";

/** D1 storage, beside the totals: what each run added to the database, kept 90 days. */
export function storageReport(measured: (readonly [string, Usage])[]): string {
	const rows: string[][] = [["per million emails", "bytes per email", "GB-months", "cost"]];
	for (const [label, usage] of measured) {
		const d = d1StoragePerEmail(usage);
		rows.push([label, fixed(d.bytes), fixed(d.gbMonths * 1e6, 2), money(d.costPerMillion)]);
	}
	return `
D1 storage for 90 days (not in the totals above; $${PRICES.d1StoragePerGbMonth}/GB-month beyond 5 GB)
${table(rows)}
  Bytes per email: how much the database grew over the run (D1's meta.size_after), over its
  emails: the rows, index entries and timelines as SQLite stores them. The benchmark's bodies are
  a line of HTML and one of text, except the receipt's (${fixed(RECEIPT_HTML_BYTES)} bytes of HTML, a
  table of order lines, and its text), which D1 keeps gzipped (src/db/queries/email-bodies.ts).
  Each KB stored adds $${D1_STORAGE_PER_KB_PER_MILLION.toFixed(2)} per million emails (docs/scaling.md, "Storage").`;
}

/**
 * What one 100 KB attachment adds per million emails: R2 (measured operations, the purge's
 * lists, 90 days of storage, free deletes) and the D1 rows over the plain single's.
 */
export function attachmentReport(withFile: Usage, plain: Usage | undefined): string {
	const r = r2PerEmail(withFile);
	const r2 = r2CostPerMillion(withFile);
	const p = perEmail(withFile);
	const base = plain ? perEmail(plain) : undefined;
	const addedRead = base ? p.rowsRead - base.rowsRead : undefined;
	const addedWritten = base ? p.rowsWritten - base.rowsWritten : undefined;
	const readCost = (addedRead ?? 0) * PRICES.d1RowsReadPerMillion;
	const writtenCost = (addedWritten ?? 0) * PRICES.d1RowsWrittenPerMillion;
	const d1 = (n: number | undefined, digits = 2) =>
		n === undefined ? "(no baseline)" : fixed(n, digits);
	const rows: string[][] = [
		["per million emails", "units per email", "cost"],
		[
			"R2 Class A: put at acceptance (measured)",
			fixed(r.classA, 3),
			money(r.classA * PRICES.r2ClassAPerMillion),
		],
		[
			"R2 Class A: the purge's list (1 per 1,000 objects)",
			fixed(r.purgeLists, 3),
			money(r.purgeLists * PRICES.r2ClassAPerMillion),
		],
		["R2 Class B: get at the send (measured)", fixed(r.classB, 3), money(r2.classB)],
		[
			`R2 storage: ${fixed(r.bytes)} bytes for 90 days`,
			`${r.gbMonths.toExponential(2)} GB-mo`,
			money(r2.storage),
		],
		["R2 deletes by the purge (free)", fixed(r.purgeLists, 3), money(0)],
		["D1 rows written over a plain single", d1(addedWritten), money(writtenCost)],
		["D1 rows read over a plain single", d1(addedRead), money(readCost)],
		["added by the attachment", "", money(r2.total + writtenCost + readCost)],
	];
	return `
One ${fixed(ATTACHMENT_BYTES)}-byte (100 KB) attachment per email, sent as \`attachments: [{ filename, content }]\` (base64)
${table(rows)}
  Measured on ${fixed(withFile.emails)} singles with the metered entry; R2 operations by method from bench/metrics/r2.ts;
  D1 rows against ${plain ? fixed(plain.emails) : "no"} plain singles from the same accounts measured just before (not the "single"
  row above, which also pays each account's first-send rows). The purge's share of R2 is counted from
  src/cron/purge-attachments.ts (one list and one free delete per page of 1,000 objects). Storage:
  the object's measured bytes, kept 90 days (3 billing months of 30 days; GB = 10^9 bytes).
  The D1 rows are the attachment's row and its primary-key index entry, written at acceptance and
  read at the send; the purge deletes them by ON DELETE CASCADE (about 2 more rows written, priced
  with the purge, phase C, like the email's own rows). Deletes are free, and so is egress.`;
}
