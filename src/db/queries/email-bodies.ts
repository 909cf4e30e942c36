/**
 * How an email's bodies are stored. Bodies of PACK_FROM_LENGTH or more go gzipped together into
 * `emails.body`, `html` and `text` left null: D1 bills storage by the byte for the 90 days an
 * email is kept (docs/scaling.md, "Storage"), and HTML shrinks several times. Smaller bodies
 * stay as they are: gzip's header and the packing would outweigh the saving. Past that, text
 * practically always shrinks (UTF-8 and base64 leave gzip room), and gzip's worst case is a few
 * bytes over its input. Rows stored before `body` existed keep their bodies in `html` and
 * `text`, and read as they are.
 *
 * The queries that return an email's content (the send and GET /emails/:id) unpack it, so
 * everything above them sees `html` and `text`.
 */
import { gunzip, gzip } from "../../lib/gzip.ts";

/**
 * Below this many characters of HTML and text together (UTF-16 units: the strings' own length,
 * so the send request measures without encoding a copy), bodies are stored as they are.
 */
export const PACK_FROM_LENGTH = 1_024;

interface Bodies {
	html?: string | null;
	text?: string | null;
	body?: Uint8Array<ArrayBuffer> | null;
}

/** The row to store: its bodies packed into `body` when they are large enough. */
export async function packBodies<T extends Bodies>(row: T): Promise<T> {
	const html = row.html ?? null;
	const text = row.text ?? null;
	if ((html?.length ?? 0) + (text?.length ?? 0) < PACK_FROM_LENGTH) return row;
	return { ...row, html: null, text: null, body: await gzip(JSON.stringify([html, text])) };
}

/** The row as read, with its bodies back in `html` and `text`. */
export async function unpackBodies<T extends Bodies>(row: T): Promise<T> {
	if (!row.body) return row;
	const [html, text] = JSON.parse(await gunzip(row.body)) as [string | null, string | null];
	return { ...row, html, text, body: null };
}
