// The messages SNS posts to an HTTP(S) subscription: Notifications (SES events) and subscription
// confirmations, field by field, and the body as SNS writes it, so the Worker's parser meets
// AWS's exact format.

interface SnsMessageBase {
	MessageId: string;
	TopicArn: string;
	Message: string;
	Timestamp: string;
	SignatureVersion: "1" | "2";
	Signature: string;
	SigningCertURL: string;
}

export interface SnsNotificationMessage extends SnsMessageBase {
	Type: "Notification";
	Subject?: string;
	UnsubscribeURL: string;
}

export interface SnsConfirmationMessage extends SnsMessageBase {
	Type: "SubscriptionConfirmation" | "UnsubscribeConfirmation";
	Token: string;
	SubscribeURL: string;
}

export type SnsMessage = SnsNotificationMessage | SnsConfirmationMessage;
export type SnsMessageType = SnsMessage["Type"];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A message before signing: `sign()` adds SignatureVersion, Signature and SigningCertURL. */
export type UnsignedSnsMessage = DistributiveOmit<
	SnsMessage,
	"Signature" | "SignatureVersion" | "SigningCertURL"
>;

/** The Subject SES gives event-publishing notifications. */
export const SES_EVENT_SUBJECT = "Amazon SES Email Event Notification";

/** The body as SNS writes it: `"Key" : "value"` lines in SNS's field order. */
export function snsBody(message: SnsMessage): string {
	const order =
		message.Type === "Notification"
			? [
					"Type",
					"MessageId",
					"TopicArn",
					"Subject",
					"Message",
					"Timestamp",
					"SignatureVersion",
					"Signature",
					"SigningCertURL",
					"UnsubscribeURL",
				]
			: [
					"Type",
					"MessageId",
					"Token",
					"TopicArn",
					"Message",
					"SubscribeURL",
					"Timestamp",
					"SignatureVersion",
					"Signature",
					"SigningCertURL",
				];
	const fields = message as unknown as Record<string, string | undefined>;
	const lines = order
		.filter((key) => fields[key] !== undefined)
		.map((key) => `  ${JSON.stringify(key)} : ${JSON.stringify(fields[key])}`);
	return `{\n${lines.join(",\n")}\n}`;
}
