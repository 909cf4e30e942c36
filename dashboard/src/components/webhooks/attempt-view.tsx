/** How one delivery attempt went: the receiver's status code, how long it took, what it said. */
import type { Schemas } from "../../api.ts";
import { Cell, Table } from "../ui/containers.tsx";
import { formatDate } from "../ui/format.ts";

type Attempt = Schemas["WebhookAttempt"];

/** 0 is the API's "no HTTP answer came" (timeout, refused connection, DNS). */
export function StatusCode({ code }: { code: number }) {
	const ok = code >= 200 && code < 300;
	return (
		<span
			className={`inline-flex rounded-full px-2 py-0.5 font-mono text-xs font-medium ${ok ? "bg-green-100 text-green-800" : "bg-red-100 text-red-800"}`}
		>
			{code === 0 ? "no answer" : code}
		</span>
	);
}

/** The first 1 KB of an answer. */
export function ResponseSnippet({ text, label }: { text: string; label: string }) {
	if (text === "") return <span className="text-slate-500">empty</span>;
	return <ScrollBox label={label} text={text} className="max-h-32 max-w-md min-w-56" />;
}

/** Preformatted text in a box that scrolls; it takes focus so keyboards can scroll it too. */
export function ScrollBox({
	text,
	label,
	className = "",
}: {
	text: string;
	label: string;
	className?: string;
}) {
	return (
		<section
			aria-label={label}
			// biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
			tabIndex={0}
			className={`overflow-auto rounded bg-slate-100 p-2 ${className}`}
		>
			<pre className="font-mono text-xs wrap-anywhere whitespace-pre-wrap">{text}</pre>
		</section>
	);
}

export function AttemptTable({ attempts }: { attempts: Attempt[] }) {
	return (
		<Table head={["Sent", "Status code", "Duration", "Response", "Error"]}>
			{attempts.map((a, i) => (
				<tr key={a.id}>
					<Cell className="whitespace-nowrap">{formatDate(a.sent_at)}</Cell>
					<Cell>
						<StatusCode code={a.http_status_code} />
					</Cell>
					<Cell className="whitespace-nowrap">{a.duration_ms} ms</Cell>
					<Cell>
						<ResponseSnippet
							text={a.response}
							// Newest first: the last attempt made has the highest number.
							label={`Response to attempt ${attempts.length - i}`}
						/>
					</Cell>
					<Cell className="min-w-48">
						{a.error ? <span className="text-red-800">{a.error}</span> : "—"}
					</Cell>
				</tr>
			))}
		</Table>
	);
}

/** A single attempt as a short summary (the answer to "Send test event"). */
export function AttemptSummary({ attempt }: { attempt: Attempt }) {
	return (
		<dl className="grid gap-x-4 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
			<dt className="font-medium text-slate-700">Status code</dt>
			<dd>
				<StatusCode code={attempt.http_status_code} />
			</dd>
			<dt className="font-medium text-slate-700">Duration</dt>
			<dd>{attempt.duration_ms} ms</dd>
			<dt className="font-medium text-slate-700">Response</dt>
			<dd>
				<ResponseSnippet text={attempt.response} label="Response to the test event" />
			</dd>
			{attempt.error ? (
				<>
					<dt className="font-medium text-slate-700">Error</dt>
					<dd className="text-red-800">{attempt.error}</dd>
				</>
			) : null}
		</dl>
	);
}
