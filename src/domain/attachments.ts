/**
 * Attachments: the rules an email's files must meet, and turning the request's `attachments`
 * (base64 `content` or an https `path`) into files with their bytes.
 *
 * Limits, as SES sets them (README "Attachments"):
 * - the whole message at most 40 MB once encoded (subject, bodies, headers and every file in
 *   base64), checked after `path`s are fetched: 413 beyond;
 * - file names at most 255 characters, none with an extension SES refuses (named in the 422);
 * - at most MAX_ATTACHMENTS files an email and MAX_ATTACHMENTS_PER_REQUEST a request (ours:
 *   each is an R2 object and a D1 row).
 *
 * A `path` is fetched once, when the email is accepted (src/services/attachment-fetch.ts keeps
 * the SSRF rules, the 10 s timeout and the size cap); what is sent later is what was fetched.
 */
import { base64Length } from "../lib/base64.ts";
import { type Rejected, rejected } from "./refusals.ts";

/** SES's limit for a whole message, after base64. */
export const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;
export const MAX_FILENAME_LENGTH = 255;
export const MAX_ATTACHMENTS = 100;
/**
 * Files in one request, all its emails together: each is an R2 write now and a read at the
 * send, and a Worker invocation's calls are bounded (1,000 subrequests on Workers Paid).
 */
export const MAX_ATTACHMENTS_PER_REQUEST = 500;
/** SES's `ContentId` limit. */
export const MAX_CONTENT_ID_LENGTH = 78;

/** The size of an email's own fields in UTF-8: subject, bodies and custom headers. */
export function contentBytes(email: {
	subject: string;
	html?: string | null;
	text?: string | null;
	headers?: Record<string, string> | null;
}): number {
	const encoder = new TextEncoder();
	const headers = Object.entries(email.headers ?? {})
		.flat()
		.join("");
	return [email.subject, email.html ?? "", email.text ?? "", headers].reduce(
		(n, s) => n + encoder.encode(s).length,
		0,
	);
}

/** The extensions SES refuses to send ("Unsupported attachment types"). */
const REFUSED_EXTENSIONS = new Set(
	`ade adp app asp bas bat cer chm cmd com cpl crt csh der exe fxp gadget hlp hta inf ins isp its
	js jse ksh lib lnk mad maf mag mam maq mar mas mat mau mav maw mda mdb mde mdt mdw mdz msc msh
	msh1 msh2 mshxml msh1xml msh2xml msi msp mst ops pcd pif plg prf prg reg scf scr sct shb shs sys
	ps1 ps1xml ps2 ps2xml psc1 psc2 tmp url vb vbe vbs vps vsmacros vss vst vsw vxd ws wsc wsf wsh
	xnk`.split(/\s+/),
);

/** The extension SES would refuse in `filename` (e.g. ".exe"), or null. */
export function refusedExtension(filename: string): string | null {
	const dot = filename.lastIndexOf(".");
	if (dot < 0) return null;
	const extension = filename.slice(dot + 1).toLowerCase();
	return REFUSED_EXTENSIONS.has(extension) ? `.${extension}` : null;
}

const TYPES: Record<string, string> = {
	pdf: "application/pdf",
	png: "image/png",
	jpg: "image/jpeg",
	jpeg: "image/jpeg",
	gif: "image/gif",
	webp: "image/webp",
	svg: "image/svg+xml",
	txt: "text/plain",
	csv: "text/csv",
	html: "text/html",
	ics: "text/calendar",
	json: "application/json",
	xml: "application/xml",
	zip: "application/zip",
	doc: "application/msword",
	docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	xls: "application/vnd.ms-excel",
	xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	ppt: "application/vnd.ms-powerpoint",
	pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
};

/** Resend's rule: without `content_type`, the type follows from the file name. */
function typeFromName(filename: string): string | null {
	const dot = filename.lastIndexOf(".");
	return dot < 0 ? null : (TYPES[filename.slice(dot + 1).toLowerCase()] ?? null);
}

/** One of the request's `attachments`, validated (content already decoded from base64). */
export interface AttachmentInput {
	filename?: string | null;
	content?: Uint8Array | null;
	path?: string | null;
	contentType?: string | null;
	contentId?: string | null;
}

/** A file ready to store and send. */
export interface ResolvedFile {
	filename: string;
	contentType: string;
	contentId: string | null;
	bytes: Uint8Array;
}

export type FetchResult =
	| { kind: "ok"; bytes: Uint8Array; contentType: string | null }
	| { kind: "failed"; reason: string };

/** Fetches a `path` with at most `maxBytes` bytes (src/services/attachment-fetch.ts). */
export type FetchPath = (url: string, maxBytes: number) => Promise<FetchResult>;

/**
 * The email's files with their bytes, fetching every `path` at once, or the first problem:
 * a path that failed (422, naming the file) or a message over MAX_MESSAGE_BYTES (413).
 * `contentBytes` is the size of the email's own fields (subject, bodies, headers).
 */
export async function resolveAttachments(
	inputs: AttachmentInput[],
	contentBytes: number,
	fetchPath: FetchPath,
): Promise<{ kind: "ok"; files: ResolvedFile[] } | Rejected> {
	const inline = inputs.reduce((n, a) => n + base64Length(a.content?.length ?? 0), 0);
	// What a fetched file may weigh at most: the room left once everything known is counted.
	const room = Math.max(0, Math.floor(((MAX_MESSAGE_BYTES - contentBytes - inline) * 3) / 4));
	const fetched = await Promise.all(
		inputs.map((a) => (a.content || !a.path ? null : fetchPath(a.path, room))),
	);
	const files: ResolvedFile[] = [];
	for (const [index, input] of inputs.entries()) {
		const result = fetched[index];
		const filename = input.filename || (input.path ? nameFromPath(input.path) : "attachment");
		if (result?.kind === "failed") {
			return rejected({ code: "attachment_unavailable", index, filename, reason: result.reason });
		}
		const extension = refusedExtension(filename);
		if (extension) {
			const reason = `SES refuses files with the ${extension} extension`;
			return rejected({ code: "attachment_unavailable", index, filename, reason });
		}
		files.push({
			filename,
			contentType:
				input.contentType ??
				typeFromName(filename) ??
				result?.contentType?.split(";")[0]?.trim() ??
				"application/octet-stream",
			contentId: input.contentId ?? null,
			bytes: result?.bytes ?? input.content ?? new Uint8Array(),
		});
	}
	const size = contentBytes + files.reduce((n, f) => n + base64Length(f.bytes.length), 0);
	if (size > MAX_MESSAGE_BYTES) {
		return rejected({ code: "message_too_large", size, max: MAX_MESSAGE_BYTES });
	}
	return { kind: "ok", files };
}

/** The last segment of a URL's path, as a file name ("report.pdf"), or "attachment". */
function nameFromPath(path: string): string {
	try {
		const last = new URL(path).pathname.split("/").pop() ?? "";
		return decodeURIComponent(last).slice(0, MAX_FILENAME_LENGTH) || "attachment";
	} catch {
		return "attachment";
	}
}
