/**
 * One verification request as staff review it: who asked, what they send and how much, and,
 * while it is pending, the decision. The note goes to the owner in the outcome email and on
 * their Verification Request page, so it is written for them.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type FormEvent, useRef, useState } from "react";
import { ApiFailure, api, type Schemas } from "../../api.ts";
import { Button } from "../ui/buttons.tsx";
import { TextArea } from "../ui/fields.tsx";
import { formatDate, formatNumber } from "../ui/format.ts";
import { ErrorNote, StatusBadge } from "../ui/status.tsx";
import { Details } from "./details.tsx";

// The generated type is nullable (the schema is shared with a nullable field); a request is not.
export type Request = NonNullable<Schemas["VerificationRequest"]>;

export function RequestDetails({
	request,
	accountName,
}: {
	request: Request;
	/** Set where the account is not already the page's subject. */
	accountName?: string;
}) {
	return (
		<div className="space-y-4">
			<Details
				columns={3}
				items={[
					...(accountName
						? ([
								[
									"Account",
									<Link
										key="account"
										to="/staff/accounts/$accountId"
										params={{ accountId: request.account_id }}
										className="font-medium text-indigo-700 underline"
									>
										{accountName}
									</Link>,
								],
							] as [string, React.ReactNode][])
						: []),
					["Company", request.company_name],
					[
						"Website",
						<a
							key="website"
							href={request.website}
							target="_blank"
							rel="noopener noreferrer nofollow"
							className="break-all text-indigo-700 underline"
						>
							{request.website}
						</a>,
					],
					["Expected volume", `${formatNumber(request.expected_monthly_volume)} emails / month`],
					["Submitted", formatDate(request.created_at)],
					["Status", <StatusBadge key="status" status={request.status} />],
				]}
			/>
			<div>
				<h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Use case</h3>
				<p className="mt-0.5 whitespace-pre-wrap break-words text-sm">{request.use_case}</p>
			</div>
			{request.status !== "pending" ? (
				<Details
					items={[
						["Decided", formatDate(request.decided_at)],
						["Note to the owner", request.decision_note ?? "—"],
					]}
				/>
			) : null}
		</div>
	);
}

export type Decided = { label: string; text: string };

/** Approve or Reject with a note; `onDecided` says what happened, for the page's live region. */
export function DecisionForm({
	request,
	accountName,
	onDecided,
}: {
	request: Request;
	accountName: string;
	onDecided: (outcome: Decided) => void;
}) {
	const queryClient = useQueryClient();
	const [note, setNote] = useState("");
	const [noteError, setNoteError] = useState<string>();
	const noteRef = useRef<HTMLTextAreaElement>(null);
	const decide = useMutation({
		mutationFn: (action: "approve" | "reject") => {
			const trimmed = note.trim();
			return action === "approve"
				? api.staff.approve(request.id, trimmed ? { note: trimmed } : {})
				: api.staff.reject(request.id, { note: trimmed });
		},
		onSuccess: (result) => {
			const verb = result.request?.status === "approved" ? "Approved" : "Rejected";
			const notified = result.owner_notified
				? "The owner is being emailed."
				: `The owner was not emailed: ${result.notification_problem ?? "no owner"}.`;
			onDecided({ label: verb, text: `${verb} ${accountName}'s request. ${notified}` });
			// Every staff list and account page may show this request or the account's status.
			return queryClient.invalidateQueries({ queryKey: ["staff"] });
		},
		onError: (error) => {
			// Another reviewer decided it first: the refetch removes the card, so the reason
			// goes to the page's announcement instead of an error inside the vanishing card.
			if (error instanceof ApiFailure && error.status === 409) {
				onDecided({ label: "Conflict", text: `${accountName}: ${error.message}` });
				return queryClient.invalidateQueries({ queryKey: ["staff"] });
			}
		},
	});
	const submit = (event: FormEvent<HTMLFormElement>) => {
		event.preventDefault();
		const action = (event.nativeEvent as SubmitEvent).submitter?.getAttribute("value");
		if (action !== "approve" && action !== "reject") return;
		if (action === "reject" && !note.trim()) {
			setNoteError("Write a note to reject: tell the owner why, so they can fix it.");
			noteRef.current?.focus();
			return;
		}
		setNoteError(undefined);
		decide.mutate(action);
	};
	const busy = decide.isPending ? decide.variables : undefined;
	return (
		<form onSubmit={submit} className="space-y-3 border-t border-slate-200 pt-4">
			<TextArea
				ref={noteRef}
				label="Note to the owner"
				hint="Shown to the customer with the decision. Required to reject; optional to approve."
				error={noteError}
				value={note}
				onChange={(e) => setNote(e.target.value)}
			/>
			{decide.isError ? <ErrorNote error={decide.error} /> : null}
			<div className="flex flex-wrap gap-2">
				<Button type="submit" value="approve" busy={busy === "approve"} disabled={decide.isPending}>
					Approve
				</Button>
				<Button
					type="submit"
					value="reject"
					tone="danger"
					busy={busy === "reject"}
					disabled={decide.isPending}
				>
					Reject
				</Button>
			</div>
		</form>
	);
}
