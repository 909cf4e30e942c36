/**
 * One email: who it went to and what happened at each recipient, then its content (HTML in a
 * sandbox, the text part as text), its attachments, custom headers and tags, all from GET
 * /emails/{id} (and /emails/{id}/attachments). While it waits for its scheduled time, it can be
 * rescheduled or canceled here.
 */
import * as Tabs from "@radix-ui/react-tabs";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { ApiFailure, api } from "../api.ts";
import { Attachments } from "../components/emails/attachments.tsx";
import { sendStatus } from "../components/emails/email-table.tsx";
import { HtmlPreview } from "../components/emails/html-preview.tsx";
import { SchedulePanel } from "../components/emails/schedule.tsx";
import { Timeline } from "../components/emails/timeline.tsx";
import { CopyValue } from "../components/ui/buttons.tsx";
import { Card, Cell, PageHeader, Table } from "../components/ui/containers.tsx";
import { formatDate } from "../components/ui/format.ts";
import { Empty, ErrorNote, Loading, Notice, StatusBadge } from "../components/ui/status.tsx";

type Email = Awaited<ReturnType<typeof api.emails.get>>;

const backLink = (
	<Link to="/emails" className="text-sm font-medium text-indigo-700 underline">
		← Emails
	</Link>
);

export function Page() {
	const { emailId } = useParams({ from: "/app/emails/$emailId" });
	const email = useQuery({
		queryKey: ["emails", "detail", emailId],
		queryFn: () => api.emails.get(emailId),
		// A 404 will not turn into a 200 by asking again.
		retry: (count, error) => !(error instanceof ApiFailure && error.status < 500) && count < 2,
	});

	if (email.isPending) return <Loading what="Loading the email" />;
	if (email.isError) {
		const missing = email.error instanceof ApiFailure && email.error.status === 404;
		return (
			<>
				<div className="mb-4">{backLink}</div>
				{missing ? (
					<>
						<PageHeader title="Email not found" />
						<Empty>
							No email with this ID in your account. Emails are kept for 90 days, then deleted.
						</Empty>
					</>
				) : (
					<ErrorNote error={email.error} retry={() => email.refetch()} />
				)}
			</>
		);
	}
	return <EmailView email={email.data} />;
}

function EmailView({ email }: { email: Email }) {
	return (
		<>
			<div className="mb-4">{backLink}</div>
			<PageHeader
				title={email.subject}
				description={
					<span className="flex flex-wrap items-center gap-2">
						<span>Status</span> <StatusBadge status={sendStatus(email)} />
						<span>Last event</span> <StatusBadge status={email.last_event} />
					</span>
				}
			/>
			<div className="space-y-6">
				{email.last_event === "scheduled" && email.scheduled_at ? (
					<SchedulePanel emailId={email.id} scheduledAt={email.scheduled_at} />
				) : null}
				{email.last_event === "canceled" ? (
					<Notice tone="yellow">
						<strong className="font-semibold">Not sent. </strong>
						{email.failure_reason ?? "Canceled before its scheduled time."}
					</Notice>
				) : email.failure_reason ? (
					<Notice tone="yellow">
						<strong className="font-semibold">Why it failed: </strong>
						{email.failure_reason}
					</Notice>
				) : null}
				<Card title="Details">
					<dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-[9rem_1fr]">
						<Row label="ID">
							<CopyValue value={email.id} label="email ID" />
						</Row>
						<Row label="From">{email.from}</Row>
						<Row label="To">{email.to.join(", ")}</Row>
						{email.cc?.length ? <Row label="Cc">{email.cc.join(", ")}</Row> : null}
						{email.bcc?.length ? <Row label="Bcc">{email.bcc.join(", ")}</Row> : null}
						{email.reply_to?.length ? (
							<Row label="Reply-To">{email.reply_to.join(", ")}</Row>
						) : null}
						<Row label="Created">{formatDate(email.created_at)}</Row>
						{email.scheduled_at ? (
							<Row label="Scheduled for">{formatDate(email.scheduled_at)}</Row>
						) : null}
						<Row label="Sent to SES">{formatDate(email.sent_at)}</Row>
						<Row label="Delivered">{formatDate(email.delivered_at)}</Row>
					</dl>
				</Card>
				<Card title="Timeline">
					<Timeline email={email} />
				</Card>
				<Card title="Content">
					<Content email={email} />
				</Card>
				<Card title="Attachments">
					<Attachments emailId={email.id} count={email.attachments} />
				</Card>
				<Card title="Headers">
					{email.headers && Object.keys(email.headers).length > 0 ? (
						<Table head={["Name", "Value"]}>
							{Object.entries(email.headers).map(([name, value]) => (
								<tr key={name}>
									<Cell className="whitespace-nowrap font-mono text-xs">{name}</Cell>
									<Cell className="break-all font-mono text-xs">{value}</Cell>
								</tr>
							))}
						</Table>
					) : (
						<p className="text-sm text-slate-600">No custom headers.</p>
					)}
				</Card>
				<Card title="Tags">
					{email.tags.length > 0 ? (
						<ul className="flex flex-wrap gap-2">
							{email.tags.map((tag) => (
								<li key={`${tag.name}:${tag.value}`}>
									<Link
										to="/emails"
										search={{ tag: `${tag.name}:${tag.value}` } as never}
										className="inline-flex rounded-full bg-slate-100 px-2 py-1 font-mono text-xs text-slate-800 ring-1 ring-slate-200 hover:bg-indigo-50"
										aria-label={`Emails tagged ${tag.name}:${tag.value}`}
									>
										{tag.name}: {tag.value}
									</Link>
								</li>
							))}
						</ul>
					) : (
						<p className="text-sm text-slate-600">No tags.</p>
					)}
				</Card>
			</div>
		</>
	);
}

function Row({ label, children }: { label: string; children: ReactNode }) {
	return (
		<div className="contents">
			<dt className="font-medium text-slate-600">{label}</dt>
			<dd className="min-w-0 break-words text-slate-900">{children}</dd>
		</div>
	);
}

function Content({ email }: { email: Email }) {
	const parts = [
		...(email.html ? [{ value: "html", label: "HTML" }] : []),
		...(email.text ? [{ value: "text", label: "Text" }] : []),
	];
	const first = parts[0];
	if (!first) return <p className="text-sm text-slate-600">This email has no content.</p>;
	const tab =
		"rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 data-[state=active]:bg-indigo-50 data-[state=active]:text-indigo-700";
	return (
		<Tabs.Root defaultValue={first.value}>
			<Tabs.List aria-label="Content parts" className="mb-3 flex gap-2">
				{parts.map((p) => (
					<Tabs.Trigger key={p.value} value={p.value} className={tab}>
						{p.label}
					</Tabs.Trigger>
				))}
			</Tabs.List>
			{email.html ? (
				<Tabs.Content value="html">
					<HtmlPreview html={email.html} />
				</Tabs.Content>
			) : null}
			{email.text ? (
				<Tabs.Content value="text">
					<pre className="max-h-[32rem] overflow-auto whitespace-pre-wrap break-words rounded-md bg-slate-50 p-3 font-mono text-sm ring-1 ring-slate-200">
						{email.text}
					</pre>
				</Tabs.Content>
			) : null}
		</Tabs.Root>
	);
}
