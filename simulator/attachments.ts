// SendEmail's attachments (Content.Simple.Attachments, SES v2 API reference: Attachment): their
// shape, checked as SES's request validation does (BadRequestException), what SES refuses once
// the request is well formed (MessageRejected: a blocked file extension, a message over 40 MB),
// and their bytes, decoded once when the message is stored.
//
// The request's base64 is validated without decoding it, so a refused message never costs a
// decode; an accepted 39 MB message is decoded exactly once, into the Uint8Array the store keeps.

import { AwsError } from "./aws-error.ts";
import { badRequest, type Json, optionalEnum, optionalString, requireObject } from "./rest-json.ts";

export const CONTENT_DISPOSITIONS = ["ATTACHMENT", "INLINE"] as const;
export type ContentDisposition = (typeof CONTENT_DISPOSITIONS)[number];

const TRANSFER_ENCODINGS = ["BASE64", "QUOTED_PRINTABLE", "SEVEN_BIT"] as const;

/** One attachment as the request carried it, validated but not yet decoded. */
export interface RequestAttachment {
	filename: string;
	/** As given, or derived from the file name's extension (as SES does). */
	contentType: string;
	disposition: ContentDisposition;
	contentId: string | null;
	/** The base64 text of the bytes, checked to be valid. */
	rawContent: string;
}

/** One attachment of a stored message: its metadata and its decoded bytes. */
export interface SentAttachment {
	filename: string;
	contentType: string;
	/** SES's value: ATTACHMENT (its default) or INLINE. */
	disposition: ContentDisposition;
	/** The ContentId the HTML refers to as `cid:<ContentId>`, or null. */
	contentId: string | null;
	/** Bytes, decoded. */
	size: number;
	/** Backed by its own ArrayBuffer, so it can be a Response body as it is. */
	content: Uint8Array<ArrayBuffer>;
}

/**
 * SES's whole-message limit for SendEmail with Simple content: 40 MB, counted here as the subject,
 * bodies and headers (UTF-8 bytes) plus each attachment's base64 RawContent (SES Developer Guide,
 * "Working with email attachments in SES"; SES quotas: 40 MB per message after encoding).
 */
export const MAX_MESSAGE_BYTES = 10_485_760 * 4;

/**
 * The extensions SES refuses ("Unsupported attachment types", SES Developer Guide); Resend's
 * list is the same. Compared without case.
 */
export const REFUSED_EXTENSIONS: ReadonlySet<string> = new Set(
	(
		"ade adp app asp bas bat cer chm cmd com cpl crt csh der exe fxp gadget hlp hta inf ins isp " +
		"its js jse ksh lib lnk mad maf mag mam maq mar mas mat mau mav maw mda mdb mde mdt mdw mdz " +
		"msc msh msh1 msh2 mshxml msh1xml msh2xml msi msp mst ops pcd pif plg prf prg reg scf scr sct " +
		"shb shs sys ps1 ps1xml ps2 ps2xml psc1 psc2 tmp url vb vbe vbs vps vsmacros vss vst vsw vxd " +
		"ws wsc wsf wsh xnk"
	).split(" "),
);

// When ContentType is absent SES derives it from the file name; these cover what tests and the
// local demo send, anything else is application/octet-stream.
const TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
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
	htm: "text/html",
	ics: "text/calendar",
	json: "application/json",
	zip: "application/zip",
};

/** Content.Simple.Attachments, checked member by member; `[]` when absent. */
export function parseAttachments(value: unknown, path: string): RequestAttachment[] {
	if (value === undefined || value === null) return [];
	if (!Array.isArray(value))
		return badRequest(`1 validation error detected: Value at '${path}' must be a list`);
	return value.map((item, i) =>
		parseAttachment(requireObject(item, `${path}.${i + 1}.member`), `${path}.${i + 1}.member`),
	);
}

function parseAttachment(entry: Json, path: string): RequestAttachment {
	const filename = optionalString(entry.FileName, `${path}.fileName`);
	if (filename === null) nullMember(`${path}.fileName`);
	if (filename.length > 255) tooLong(filename, `${path}.fileName`, 255);

	const rawContent = optionalString(entry.RawContent, `${path}.rawContent`);
	if (rawContent === null) nullMember(`${path}.rawContent`);
	if (!isBase64(rawContent)) {
		badRequest(`Value at '${path}.rawContent' is not valid base64 (standard alphabet, padded).`);
	}

	const contentType = optionalString(entry.ContentType, `${path}.contentType`);
	if (contentType !== null) checkLength(contentType, `${path}.contentType`, 1, 78);
	const contentId = optionalString(entry.ContentId, `${path}.contentId`);
	if (contentId !== null) checkLength(contentId, `${path}.contentId`, 1, 78);
	const description = optionalString(entry.ContentDescription, `${path}.contentDescription`);
	if (description !== null && description.length > 1000) {
		tooLong(description, `${path}.contentDescription`, 1000);
	}
	const disposition = optionalEnum(
		entry.ContentDisposition,
		`${path}.contentDisposition`,
		CONTENT_DISPOSITIONS,
	);
	optionalEnum(
		entry.ContentTransferEncoding,
		`${path}.contentTransferEncoding`,
		TRANSFER_ENCODINGS,
	);

	return {
		filename,
		contentType: contentType ?? typeFromFileName(filename),
		disposition: disposition ?? "ATTACHMENT",
		contentId,
		rawContent,
	};
}

/** The parts of a message SES counts against its 40 MB limit. */
export interface MessageSize {
	subject: string;
	html: string | null;
	text: string | null;
	headers: readonly { name: string; value: string }[];
	attachments: readonly RequestAttachment[];
}

/**
 * Throws SES's MessageRejected for a message over 40 MB, or for an attachment whose file name
 * ends in an extension SES refuses (the first one, named as given).
 */
export function checkMessageContent(message: MessageSize): void {
	const size = messageSize(message);
	if (size > MAX_MESSAGE_BYTES) {
		throw new AwsError(
			"MessageRejected",
			400,
			`Message length is more than 40 MB (${MAX_MESSAGE_BYTES} bytes): it is ${size} bytes.`,
		);
	}
	for (const attachment of message.attachments) {
		const extension = extensionOf(attachment.filename);
		if (extension !== null && REFUSED_EXTENSIONS.has(extension)) {
			throw new AwsError(
				"MessageRejected",
				400,
				`Attachment '${attachment.filename}' has an unsupported file extension: .${extension} is not allowed.`,
			);
		}
	}
}

/** The size SES compares with 40 MB: UTF-8 bytes of the text parts, base64 length of attachments. */
export function messageSize(message: MessageSize): number {
	let size = utf8Length(message.subject);
	if (message.html !== null) size += utf8Length(message.html);
	if (message.text !== null) size += utf8Length(message.text);
	for (const header of message.headers) size += utf8Length(header.name) + utf8Length(header.value);
	for (const attachment of message.attachments) size += attachment.rawContent.length;
	return size;
}

/** Decodes an accepted attachment's bytes (the only decode it gets). */
export function decodeAttachment(attachment: RequestAttachment): SentAttachment {
	const content = decodeBase64(attachment.rawContent);
	return {
		filename: attachment.filename,
		contentType: attachment.contentType,
		disposition: attachment.disposition,
		contentId: attachment.contentId,
		size: content.byteLength,
		content,
	};
}

/** `invoice.PDF` → `pdf`; null without a dot or with nothing after the last one. */
export function extensionOf(filename: string): string | null {
	const dot = filename.lastIndexOf(".");
	if (dot === -1 || dot === filename.length - 1) return null;
	return filename
		.slice(dot + 1)
		.trim()
		.toLowerCase();
}

/** The media type a file name implies (SES's rule without a ContentType), or octet-stream. */
export function typeFromFileName(filename: string): string {
	const extension = extensionOf(filename);
	return (
		(extension === null ? undefined : TYPES_BY_EXTENSION[extension]) ?? "application/octet-stream"
	);
}

// Linear (no backtracking): a 40 MB string is checked in one pass.
const BASE64 = /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isBase64(text: string): boolean {
	return text.length % 4 === 0 && BASE64.test(text);
}

type Base64Decoder = (text: string) => Uint8Array<ArrayBuffer>;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
	// TC39's Uint8Array.fromBase64 where the runtime has it (one copy); atob otherwise.
	const native = (Uint8Array as unknown as { fromBase64?: Base64Decoder }).fromBase64;
	if (native !== undefined) return native.call(Uint8Array, text);
	const binary = atob(text);
	const bytes = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
	return bytes;
}

/** UTF-8 length without encoding a copy (bodies can be tens of megabytes). */
function utf8Length(text: string): number {
	let bytes = 0;
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code < 0x80) bytes += 1;
		else if (code < 0x800) bytes += 2;
		else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
			const next = text.charCodeAt(i + 1);
			if (next >= 0xdc00 && next <= 0xdfff) {
				bytes += 4;
				i++;
			} else bytes += 3;
		} else bytes += 3;
	}
	return bytes;
}

// Wording of AWS's request validation (rest-json.ts).
function nullMember(path: string): never {
	return badRequest(
		`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`,
	);
}

function tooLong(value: string, path: string, max: number): never {
	return badRequest(
		`1 validation error detected: Value '${preview(value)}' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
	);
}

function checkLength(value: string, path: string, min: number, max: number): void {
	if (value.length > max) tooLong(value, path, max);
	if (value.length < min) {
		badRequest(
			`1 validation error detected: Value '${value}' at '${path}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`,
		);
	}
}

/** Long values are cut in messages so an error never echoes a megabyte back. */
function preview(value: string): string {
	return value.length > 300 ? `${value.slice(0, 300)}…` : value;
}
