/**
 * A request's email as the routes hand it over, and what the send path makes of it before it
 * is stored or sent: its fields with recipients deduplicated, and its attachments with their
 * bytes. Shared SES (stored, then sent by the consumer) and BYOC (sent on the request path)
 * both take an email's content from here, so the two paths of src/domain/sending.ts cannot
 * disagree on what an email contains.
 */
import { dedupeRecipients } from "../lib/addresses.ts";
import {
	type AttachmentInput,
	contentBytes,
	type FetchPath,
	type ResolvedFile,
	resolveAttachments,
} from "./attachments.ts";
import type { Rejected } from "./refusals.ts";

/** What the routes hand over: a request's email after schema validation. */
export interface EmailInput {
	/** Fixed in advance only by SendFleet's own notices (exactly-once); the API never sets it. */
	id?: string;
	from: string;
	to: string[];
	cc?: string[] | null;
	bcc?: string[] | null;
	reply_to?: string[] | null;
	subject: string;
	html?: string | null;
	text?: string | null;
	headers?: Record<string, string> | null;
	tags?: { name: string; value: string }[] | null;
	attachments?: AttachmentInput[] | null;
	/** When a scheduled email is due (already parsed and within 30 days). */
	scheduledAt?: number | null;
}

/**
 * Each email's attachments with their bytes (fetching `path`s, all emails at once); an
 * email whose files fail is rejected in `results` in place.
 */
export async function resolveFiles<Answer>(
	deps: { fetchPath?: FetchPath },
	passed: readonly { index: number; input: EmailInput }[],
	results: (Answer | Rejected)[],
): Promise<Map<number, ResolvedFile[]>> {
	const files = new Map<number, ResolvedFile[]>();
	const fetchPath: FetchPath =
		deps.fetchPath ??
		(async () => ({ kind: "failed", reason: "fetching `path` is not available" }));
	await Promise.all(
		passed.map(async ({ index, input }) => {
			if (!input.attachments?.length) return;
			const resolved = await resolveAttachments(input.attachments, contentBytes(input), fetchPath);
			if (resolved.kind === "ok") files.set(index, resolved.files);
			else results[index] = resolved;
		}),
	);
	return files;
}

/** An email's content as stored (Shared SES) or sent (BYOC), recipients deduplicated. */
export function emailFields(input: EmailInput) {
	const lists = dedupeRecipients(input);
	return {
		from: input.from,
		to: lists.to,
		cc: lists.cc.length ? lists.cc : null,
		bcc: lists.bcc.length ? lists.bcc : null,
		replyTo: input.reply_to?.length ? input.reply_to : null,
		subject: input.subject,
		html: input.html ?? null,
		text: input.text ?? null,
		headers: input.headers && Object.keys(input.headers).length ? input.headers : null,
		tags: input.tags?.length ? input.tags : null,
	};
}
