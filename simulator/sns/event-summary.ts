// What an SES event handed to `publish()` is about, read from the event itself: `publish()`
// takes any event, made up by a test or copied from AWS, so its record (type, email, recipients)
// cannot come from the simulator's own bookkeeping as queued events' records do.

/** The event's type and the SES MessageId of the email it is about, when it names them. */
export function describeEvent(event: Record<string, unknown>): {
	eventType: string | null;
	messageId: string | null;
} {
	const type = event.eventType ?? event.notificationType;
	const mail = event.mail as Record<string, unknown> | undefined;
	const messageId = typeof mail === "object" && mail !== null ? mail.messageId : undefined;
	return {
		eventType: typeof type === "string" ? type : null,
		messageId: typeof messageId === "string" ? messageId : null,
	};
}

/** The recipients an arbitrary SES event names (delivered, bounced, complained or delayed). */
export function eventRecipients(event: Record<string, unknown>): string[] {
	const object = (key: string) => {
		const value = event[key];
		return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
	};
	const addresses = (list: unknown) =>
		Array.isArray(list)
			? list
					.map((item) =>
						typeof item === "string"
							? item
							: typeof item === "object" && item !== null
								? (item as { emailAddress?: unknown }).emailAddress
								: undefined,
					)
					.filter((a): a is string => typeof a === "string")
			: [];
	return [
		...addresses(object("delivery").recipients),
		...addresses(object("bounce").bouncedRecipients),
		...addresses(object("complaint").complainedRecipients),
		...addresses(object("deliveryDelay").delayedRecipients),
	];
}
