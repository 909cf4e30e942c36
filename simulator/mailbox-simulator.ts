// The test recipients: the addresses that make SES bounce, complain or delay a message instead
// of delivering it, SES's mailbox simulator and SendFleet's own beside it. The recipient decides
// the outcome; ses-events.ts turns outcomes into events, and the inbox page and the README list
// the addresses.
//
//   @simulator.amazonses.com (SES's own addresses; SES does not count them in reputation metrics)
//     success@          Delivery
//     bounce@           Bounce Permanent/General (5.1.1)
//     complaint@        Delivery, then Complaint (abuse)
//     ooto@             Delivery (the out-of-office reply is not an event)
//     suppressionlist@  Bounce Permanent/OnAccountSuppressionList
//   @simulator.sendfleet.test (SendFleet's own; the reputation guard counts them)
//     delivered@        Delivery
//     bounce@           Bounce Permanent/General (5.1.1)
//     softbounce@       Bounce Transient/General (4.2.2, mailbox full): SES has no such address
//     complaint@        Delivery, then Complaint (abuse)
//     delay@            DeliveryDelay, then Delivery
//   anything else       Delivery
//
// A `+label` after the local part is ignored (`bounce+signup@simulator.amazonses.com` bounces).

export const SES_MAILBOX_SIMULATOR_DOMAIN = "simulator.amazonses.com";
export const SENDFLEET_SIMULATOR_DOMAIN = "simulator.sendfleet.test";

export type RecipientOutcome =
	| "delivery"
	| "bounce"
	| "softbounce"
	| "complaint"
	| "ooto"
	| "suppressionlist"
	| "delay";

export interface SimulatorAddress {
	address: string;
	outcome: RecipientOutcome;
	/** What SES publishes for it, for the inbox page and the README. */
	events: string;
}

/** Every special address, in the order the inbox page lists them. */
export const SIMULATOR_ADDRESSES: readonly SimulatorAddress[] = [
	{ address: `success@${SES_MAILBOX_SIMULATOR_DOMAIN}`, outcome: "delivery", events: "Delivery" },
	{
		address: `bounce@${SES_MAILBOX_SIMULATOR_DOMAIN}`,
		outcome: "bounce",
		events: "Bounce Permanent/General",
	},
	{
		address: `complaint@${SES_MAILBOX_SIMULATOR_DOMAIN}`,
		outcome: "complaint",
		events: "Delivery, then Complaint (abuse)",
	},
	{
		address: `ooto@${SES_MAILBOX_SIMULATOR_DOMAIN}`,
		outcome: "ooto",
		events: "Delivery (the auto-reply is not an event)",
	},
	{
		address: `suppressionlist@${SES_MAILBOX_SIMULATOR_DOMAIN}`,
		outcome: "suppressionlist",
		events: "Bounce Permanent/OnAccountSuppressionList",
	},
	{ address: `delivered@${SENDFLEET_SIMULATOR_DOMAIN}`, outcome: "delivery", events: "Delivery" },
	{
		address: `bounce@${SENDFLEET_SIMULATOR_DOMAIN}`,
		outcome: "bounce",
		events: "Bounce Permanent/General",
	},
	{
		address: `softbounce@${SENDFLEET_SIMULATOR_DOMAIN}`,
		outcome: "softbounce",
		events: "Bounce Transient/General (mailbox full)",
	},
	{
		address: `complaint@${SENDFLEET_SIMULATOR_DOMAIN}`,
		outcome: "complaint",
		events: "Delivery, then Complaint (abuse)",
	},
	{
		address: `delay@${SENDFLEET_SIMULATOR_DOMAIN}`,
		outcome: "delay",
		events: "DeliveryDelay, then Delivery",
	},
];

const OUTCOMES = new Map(SIMULATOR_ADDRESSES.map((a) => [a.address, a.outcome]));

/** The bare address inside `Name <addr>`, or the trimmed input; case kept (SES keeps it). */
export function addressOnly(address: string): string {
	const angle = /<([^<>]*)>\s*$/.exec(address);
	return (angle?.[1] ?? address).trim();
}

/** What happens to mail for `address`: a special address's outcome, otherwise delivery. */
export function recipientOutcome(address: string): RecipientOutcome {
	const bare = addressOnly(address).toLowerCase();
	const at = bare.lastIndexOf("@");
	if (at === -1) return "delivery";
	const local = bare.slice(0, at).replace(/\+.*$/, "");
	return OUTCOMES.get(`${local}@${bare.slice(at + 1)}`) ?? "delivery";
}
