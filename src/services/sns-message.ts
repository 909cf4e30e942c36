/**
 * What an Amazon SNS message that reaches `POST /hooks/sns` is: its fields by `Type`, read from
 * the body (SNS's HTTP form, or the `…Url` spelling of Lambda's event), and the string AWS signs
 * over it. Reading a body checks its shape only; ./sns-verify.ts decides whether to believe it.
 */
type SnsMessageBase = {
	MessageId: string;
	TopicArn: string;
	Message: string;
	Timestamp: string;
	SignatureVersion: SnsSignatureVersion;
	Signature: string;
	SigningCertURL: string;
};

export type SnsNotification = SnsMessageBase & {
	Type: "Notification";
	Subject?: string;
	/** Not covered by the signature: never follow it. */
	UnsubscribeURL?: string;
};

export type SnsSubscriptionMessage = SnsMessageBase & {
	Type: "SubscriptionConfirmation" | "UnsubscribeConfirmation";
	/** Signed; still check it with `isAwsSnsUrl` before fetching it. */
	SubscribeURL: string;
	Token: string;
};

export type SnsMessage = SnsNotification | SnsSubscriptionMessage;

export type SnsSignatureVersion = "1" | "2";

type ParseRejection = "malformed" | "unsupported_signature_version";

/** A body read as an SNS message, or why it is not one. */
export type SnsParse =
	| { ok: true; message: SnsMessage }
	| { ok: false; reason: ParseRejection; detail: string };

/** Lambda's SNS event shape spells these with `Url`; SNS's HTTP body with `URL`. */
const LAMBDA_KEYS = {
	SigningCertURL: "SigningCertUrl",
	SubscribeURL: "SubscribeUrl",
	UnsubscribeURL: "UnsubscribeUrl",
} as const;

export function parseSnsMessage(body: string): SnsParse {
	let json: unknown;
	try {
		json = JSON.parse(body);
	} catch {
		return reject("malformed", "the body is not JSON");
	}
	if (typeof json !== "object" || json === null || Array.isArray(json))
		return reject("malformed", "the body is not a JSON object");
	const fields = json as Record<string, unknown>;

	const problems: string[] = [];
	const required = (key: string): string => {
		const value = fields[key];
		if (typeof value === "string") return value;
		problems.push(value === undefined ? `${key} is missing` : `${key} is not a string`);
		return "";
	};
	const optional = (key: string): string | undefined => {
		const value = fields[key];
		// Some producers (Lambda's event, re-serialised messages) write `"Subject": null` for a
		// message published without one; AWS signs such a message without the Subject line.
		if (value === undefined || value === null) return undefined;
		if (typeof value === "string") return value;
		problems.push(`${key} is not a string`);
		return undefined;
	};
	const optionalAliased = (key: keyof typeof LAMBDA_KEYS): string | undefined => {
		const canonical = optional(key);
		const alias = optional(LAMBDA_KEYS[key]);
		if (canonical !== undefined && alias !== undefined && canonical !== alias)
			problems.push(`${key} and ${LAMBDA_KEYS[key]} disagree`);
		return canonical ?? alias;
	};
	const requiredAliased = (key: keyof typeof LAMBDA_KEYS): string => {
		const value = optionalAliased(key);
		if (value === undefined && fields[key] == null && fields[LAMBDA_KEYS[key]] == null)
			problems.push(`${key} is missing`);
		return value ?? "";
	};

	const type = required("Type");
	const version = required("SignatureVersion");
	const common = {
		MessageId: required("MessageId"),
		TopicArn: required("TopicArn"),
		Message: required("Message"),
		Timestamp: required("Timestamp"),
		Signature: required("Signature"),
		SigningCertURL: requiredAliased("SigningCertURL"),
	};
	let specific:
		| Pick<SnsNotification, "Type" | "Subject" | "UnsubscribeURL">
		| Pick<SnsSubscriptionMessage, "Type" | "SubscribeURL" | "Token">
		| undefined;
	if (type === "Notification") {
		const Subject = optional("Subject");
		const UnsubscribeURL = optionalAliased("UnsubscribeURL");
		specific = {
			Type: type,
			...(Subject !== undefined && { Subject }),
			...(UnsubscribeURL !== undefined && { UnsubscribeURL }),
		};
	} else if (type === "SubscriptionConfirmation" || type === "UnsubscribeConfirmation") {
		specific = {
			Type: type,
			SubscribeURL: requiredAliased("SubscribeURL"),
			Token: required("Token"),
		};
	} else if (typeof fields.Type === "string") {
		problems.push(`Type ${JSON.stringify(type)} is not an SNS message type`);
	}

	if (problems.length > 0 || specific === undefined)
		return reject("malformed", problems.join("; "));
	if (!isSignatureVersion(version))
		return reject(
			"unsupported_signature_version",
			`SignatureVersion ${JSON.stringify(version)} is not "1" or "2"`,
		);
	return { ok: true, message: { ...common, SignatureVersion: version, ...specific } };
}

function isSignatureVersion(version: string): version is SnsSignatureVersion {
	return version === "1" || version === "2";
}

/**
 * The string to sign, exactly as AWS documents it: the listed keys in byte order, each as
 * `Key\nValue\n`. Notification: Message, MessageId, Subject (only when the message has one),
 * Timestamp, TopicArn, Type. Confirmations: Message, MessageId, SubscribeURL, Timestamp, Token,
 * TopicArn, Type. `MessageAttributes` and `UnsubscribeURL` are not signed.
 */
export function stringToSign(message: SnsMessage): string {
	const pairs: [string, string][] =
		message.Type === "Notification"
			? [
					["Message", message.Message],
					["MessageId", message.MessageId],
					...(message.Subject !== undefined
						? [["Subject", message.Subject] as [string, string]]
						: []),
					["Timestamp", message.Timestamp],
					["TopicArn", message.TopicArn],
					["Type", message.Type],
				]
			: [
					["Message", message.Message],
					["MessageId", message.MessageId],
					["SubscribeURL", message.SubscribeURL],
					["Timestamp", message.Timestamp],
					["Token", message.Token],
					["TopicArn", message.TopicArn],
					["Type", message.Type],
				];
	return pairs.map(([key, value]) => `${key}\n${value}\n`).join("");
}

function reject(
	reason: ParseRejection,
	detail: string,
): { ok: false; reason: ParseRejection; detail: string } {
	return { ok: false, reason, detail };
}
