/**
 * "Send a test email" from a verified domain, through the same POST /emails a customer's code
 * calls, so a refusal here (not approved, no plan, suspended) is the one their code would get.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type FormEvent, useId, useState } from "react";
import { api } from "../../api.ts";
import { Button } from "../ui/buttons.tsx";
import { Field } from "../ui/fields.tsx";
import { ErrorNote, Notice } from "../ui/status.tsx";

export function TestEmailForm({ domain, byoc = false }: { domain: string; byoc?: boolean }) {
	const [local, setLocal] = useState("hello");
	const [to, setTo] = useState("");
	const [subject, setSubject] = useState("Test email from SendFleet");
	const [text, setText] = useState("It works!");
	const textId = useId();
	// The same key and answer as the Overview's account query, so both share one cache entry.
	const account = useQuery({ queryKey: ["account"], queryFn: () => api.account.get() });
	const send = useMutation({
		mutationFn: () =>
			api.emails.send({ from: `${local.trim()}@${domain}`, to: [to.trim()], subject, text }),
	});
	const onSubmit = (event: FormEvent) => {
		event.preventDefault();
		send.mutate();
	};

	return (
		<form className="space-y-4" onSubmit={onSubmit}>
			{!byoc && account.data && !account.data.can_send ? (
				<Notice tone="yellow">
					Your account cannot send yet
					{account.data.cannot_send_reason ? `: ${account.data.cannot_send_reason}` : "."} A test
					email will be refused with the same reason.
				</Notice>
			) : null}
			<div className="grid gap-4 sm:grid-cols-2">
				<Field
					label="From"
					name="from"
					required
					autoComplete="off"
					spellCheck={false}
					pattern="[^@\s]+"
					value={local}
					onChange={(e) => setLocal(e.target.value)}
					hint={
						<>
							Sends as <code className="break-all">{`${local.trim() || "…"}@${domain}`}</code>
						</>
					}
				/>
				<Field
					label="To"
					name="to"
					type="email"
					required
					placeholder="you@example.com"
					value={to}
					onChange={(e) => setTo(e.target.value)}
				/>
			</div>
			<Field
				label="Subject"
				name="subject"
				required
				maxLength={998}
				value={subject}
				onChange={(e) => setSubject(e.target.value)}
			/>
			<div className="space-y-1">
				<label htmlFor={textId} className="block text-sm font-medium text-slate-700">
					Text
				</label>
				<textarea
					id={textId}
					name="text"
					rows={4}
					value={text}
					onChange={(e) => setText(e.target.value)}
					className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500"
				/>
			</div>
			<Button type="submit" busy={send.isPending}>
				Send test email
			</Button>
			<div aria-live="polite" className="space-y-2">
				{send.error ? <ErrorNote error={send.error} /> : null}
				{send.data && byoc ? (
					<Notice tone="green">
						<p>
							Sent through your SES as <code className="font-mono break-all">{send.data.id}</code>{" "}
							(SES's message id). BYOC emails are not stored, so it will not show in Emails: follow
							it in your own AWS account.
						</p>
					</Notice>
				) : send.data ? (
					<Notice tone="green">
						<p>
							Accepted and queued as{" "}
							<Link
								to="/emails/$emailId"
								params={{ emailId: send.data.id }}
								className="font-mono font-medium break-all underline"
							>
								{send.data.id}
							</Link>
							. Follow its delivery there.
						</p>
						{send.data.warnings.length > 0 ? (
							<ul className="mt-2 list-disc space-y-1 pl-5">
								{send.data.warnings.map((w) => (
									<li key={w.code}>
										<code className="font-mono">{w.code}</code>: {w.message}
									</li>
								))}
							</ul>
						) : null}
					</Notice>
				) : null}
			</div>
		</form>
	);
}
