/**
 * An email's events, per recipient: SES reports deliveries, bounces and complaints for each
 * recipient on its own, so one email can be delivered to one address and bounce at another.
 * Events about the whole email (queued, sent to SES, a rejection) come first.
 */
import type { api } from "../../api.ts";
import { formatDate } from "../ui/format.ts";
import { StatusBadge } from "../ui/status.tsx";

type Email = Awaited<ReturnType<typeof api.emails.get>>;
type EmailEvent = Email["events"][number];

/** The bare, lower-cased address of "Name <a@b>" or "a@b", as events name recipients. */
export const bareAddress = (mailbox: string) =>
	(/<([^<>]+)>\s*$/.exec(mailbox)?.[1] ?? mailbox).trim().toLowerCase();

export function Timeline({ email }: { email: Email }) {
	const whole = email.events.filter((e) => e.recipient === null);
	const recipients = [
		...new Set(
			[...email.to, ...(email.cc ?? []), ...(email.bcc ?? [])]
				.map(bareAddress)
				.concat(email.events.flatMap((e) => (e.recipient ? [e.recipient] : []))),
		),
	];
	return (
		<div className="space-y-6">
			<EventGroup title="The email" events={whole} recipient={null} />
			{recipients.map((address) => (
				<EventGroup
					key={address}
					title={address}
					recipient={address}
					events={email.events.filter((e) => e.recipient === address)}
				/>
			))}
		</div>
	);
}

function EventGroup({
	title,
	events,
	recipient,
}: {
	title: string;
	events: EmailEvent[];
	recipient: string | null;
}) {
	return (
		<section>
			<h3 className="mb-2 break-all text-sm font-semibold text-slate-800">
				{recipient ? <span className="sr-only">Recipient </span> : null}
				{title}
			</h3>
			{events.length === 0 ? (
				<p className="text-sm text-slate-600">
					No events for this recipient yet: SES reports delivery, bounces and complaints as they
					happen.
				</p>
			) : (
				<ol className="space-y-3 border-l-2 border-slate-200 pl-4">
					{events.map((event, i) => (
						// biome-ignore lint/suspicious/noArrayIndexKey: events have no id and never reorder
						<li key={`${event.type}-${event.at}-${i}`} className="space-y-1">
							<div className="flex flex-wrap items-center gap-2">
								<StatusBadge status={event.type} />
								<time dateTime={event.at} className="text-sm text-slate-600">
									{formatDate(event.at)}
								</time>
							</div>
							<EventDetails details={event.details} recipient={recipient} />
						</li>
					))}
				</ol>
			)}
		</section>
	);
}

const DETAIL_LABELS: Record<string, string> = {
	bounce_type: "Bounce type",
	bounce_sub_type: "Bounce subtype",
	smtp_response: "SMTP response",
	feedback_type: "Complaint type",
	delay_type: "Delay type",
	ses_message_id: "SES message ID",
	reason: "Reason",
	error: "Error",
	code: "Code",
	scheduled_at: "For",
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

type Diagnostic = { email?: string; status?: string | null; diagnostic_code?: string | null };

function EventDetails({
	details,
	recipient,
}: {
	details: Record<string, unknown> | null;
	recipient: string | null;
}) {
	if (!details) return null;
	const rows: [string, string][] = [];
	for (const [key, value] of Object.entries(details)) {
		if (value === null || value === undefined || value === "") continue;
		if (key === "diagnostics" && Array.isArray(value)) {
			// A bounce lists every bounced recipient; under a recipient, show its own line.
			const own = (value as Diagnostic[]).filter((d) => !recipient || d.email === recipient);
			for (const d of own) {
				if (d.status) rows.push(["Status code", d.status]);
				if (d.diagnostic_code) rows.push(["Diagnostic", d.diagnostic_code]);
			}
			continue;
		}
		rows.push([
			DETAIL_LABELS[key] ?? key.replaceAll("_", " "),
			// A time (`scheduled_at` of a scheduled or rescheduled event) reads as the others do.
			key.endsWith("_at") && typeof value === "string" && ISO_TIME.test(value)
				? formatDate(value)
				: typeof value === "string" || typeof value === "number" || typeof value === "boolean"
					? String(value)
					: JSON.stringify(value),
		]);
	}
	if (rows.length === 0) return null;
	return (
		<dl className="grid grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-[10rem_1fr]">
			{rows.map(([label, value], i) => (
				// biome-ignore lint/suspicious/noArrayIndexKey: labels repeat (one bounce, several recipients)
				<div key={`${label}-${i}`} className="contents">
					<dt className="text-slate-600">{label}</dt>
					<dd className="break-words font-mono text-xs text-slate-800 sm:text-sm">{value}</dd>
				</div>
			))}
		</dl>
	);
}
