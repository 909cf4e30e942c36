/**
 * The Verification Request: the form a new account fills in to be approved for Shared SES,
 * then its status, and the reviewer's note once decided. A rejected account may send a new
 * request (the API refuses only while one is pending or once approved), so the form comes back
 * filled with the last answers, to be changed after the reviewer's note.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { ApiFailure, api, type Schemas } from "../api.ts";
import { type Account, accountQuery } from "../components/overview/account-query.ts";
import { Button } from "../components/ui/buttons.tsx";
import { Card, PageHeader } from "../components/ui/containers.tsx";
import { Field, TextArea } from "../components/ui/fields.tsx";
import { formatDate, formatNumber } from "../components/ui/format.ts";
import { ErrorNote, Loading, Notice, StatusBadge } from "../components/ui/status.tsx";
import { useSession } from "../session.ts";

type Input = Schemas["VerificationRequestInput"];
// NonNullable: the generator marks the shared schema nullable, as GET /account embeds it as `request | null`.
type Request = NonNullable<Schemas["VerificationRequest"]>;
type FieldName = keyof Input;
const FIELDS: FieldName[] = ["use_case", "company_name", "website", "expected_monthly_volume"];

export function Page() {
	const account = useQuery(accountQuery);
	const [sent, setSent] = useState(false);
	return (
		<>
			<PageHeader
				title="Verification Request"
				description="Every SendFleet account shares one sending reputation, so a person reviews each account before it may send. Reviews usually take one to two business days, and we email you the result."
			/>
			<div aria-live="polite">
				{sent ? (
					<div className="mb-6">
						<Notice tone="green">
							Your Verification Request was sent. We will email you when it has been reviewed.
						</Notice>
					</div>
				) : null}
			</div>
			{account.isPending ? (
				<Loading what="Loading your Verification Request" />
			) : account.isError ? (
				<ErrorNote error={account.error} retry={() => account.refetch()} />
			) : (
				<Body account={account.data} onSent={() => setSent(true)} />
			)}
		</>
	);
}

function Body({ account, onSent }: { account: Account; onSent: () => void }) {
	const { status, request } = account.verification;
	if (status === "none" || !request) {
		return status === "approved" ? (
			<Approved />
		) : (
			<Card title="Tell us about your sending">
				<RequestForm onSent={onSent} />
			</Card>
		);
	}
	return (
		<div className="space-y-6">
			<RequestStatus request={request} />
			{request.status === "rejected" ? (
				<Card title="Send a new request">
					<p className="mb-4 text-sm text-slate-600">
						Address the reviewer's note above, then send the request again.
					</p>
					<RequestForm initial={request} onSent={onSent} />
				</Card>
			) : request.status === "approved" ? (
				<Approved />
			) : null}
		</div>
	);
}

function Approved() {
	return (
		<Notice tone="green">
			Your account is approved. Next, choose a plan on{" "}
			<Link to="/billing" className="font-medium underline underline-offset-2">
				Billing
			</Link>
			.
		</Notice>
	);
}

const STATUS_TEXT: Record<Request["status"], string> = {
	pending: "Waiting for review. Only one request can be open at a time.",
	approved: "Approved: your account may use Shared SES.",
	rejected: "Rejected. Read the reviewer's note below.",
};

function RequestStatus({ request }: { request: Request }) {
	return (
		<Card title="Your request" actions={<StatusBadge status={request.status} />}>
			<p className="mb-4 text-sm">{STATUS_TEXT[request.status]}</p>
			{request.decision_note ? (
				<div className="mb-4 rounded-md bg-slate-50 p-3 text-sm ring-1 ring-slate-200">
					<p className="font-medium">Note from the reviewer</p>
					<p className="mt-1 whitespace-pre-wrap">{request.decision_note}</p>
				</div>
			) : null}
			<dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr] sm:gap-y-3">
				<dt className="text-slate-600">Sent</dt>
				<dd className="mb-2 sm:mb-0">{formatDate(request.created_at)}</dd>
				{request.decided_at ? (
					<>
						<dt className="text-slate-600">Decided</dt>
						<dd className="mb-2 sm:mb-0">{formatDate(request.decided_at)}</dd>
					</>
				) : null}
				<dt className="text-slate-600">Company name</dt>
				<dd className="mb-2 sm:mb-0 break-words">{request.company_name}</dd>
				<dt className="text-slate-600">Website</dt>
				<dd className="mb-2 sm:mb-0 break-all">{request.website}</dd>
				<dt className="text-slate-600">Expected monthly volume</dt>
				<dd className="mb-2 sm:mb-0">{formatNumber(request.expected_monthly_volume)} emails</dd>
				<dt className="text-slate-600">Use case</dt>
				<dd className="mb-2 sm:mb-0 whitespace-pre-wrap break-words">{request.use_case}</dd>
			</dl>
		</Card>
	);
}

/** "`website`: must be an http(s) URL" → the field and its message, shown under the field. */
function fieldError(error: unknown): { field: FieldName; message: string } | null {
	if (!(error instanceof ApiFailure) || error.status !== 422) return null;
	const match = /^`([a-z_]+)`: (.+)$/s.exec(error.message);
	const field = FIELDS.find((f) => f === match?.[1]);
	if (!field || !match?.[2]) return null;
	return { field, message: match[2].charAt(0).toUpperCase() + match[2].slice(1) };
}

/** "25,000" and "25 000" are what people type for a volume; the API wants the number. */
const parseVolume = (raw: string) => {
	const cleaned = raw.replace(/[\s,_]/g, "");
	return cleaned === "" ? Number.NaN : Number(cleaned);
};

function RequestForm({ initial, onSent }: { initial?: Request; onSent: () => void }) {
	const queryClient = useQueryClient();
	const session = useSession();
	const submit = useMutation({
		mutationFn: (body: Input) => api.account.requestVerification(body),
		onSuccess: async (request) => {
			queryClient.setQueryData(accountQuery.queryKey, (old) =>
				old && request ? { ...old, verification: { status: request.status, request } } : old,
			);
			onSent();
			await queryClient.invalidateQueries({ queryKey: accountQuery.queryKey });
		},
	});
	const invalid = fieldError(submit.error);

	const onSubmit = (event: FormEvent<HTMLFormElement>) => {
		event.preventDefault();
		const form = event.currentTarget;
		const data = new FormData(form);
		const text = (name: FieldName) => String(data.get(name) ?? "");
		submit.mutate(
			{
				use_case: text("use_case"),
				company_name: text("company_name"),
				website: text("website"),
				// NaN travels as null, and the API answers which field is wrong in its own words.
				expected_monthly_volume: parseVolume(text("expected_monthly_volume")),
			},
			{
				onError: (error) => {
					const field = fieldError(error)?.field;
					if (field) (form.elements.namedItem(field) as HTMLElement | null)?.focus();
				},
			},
		);
	};
	const errorFor = (field: FieldName) => (invalid?.field === field ? invalid.message : undefined);

	return (
		// The API checks the answers and names the field that is wrong, so the browser's own
		// checks would only say it twice, differently.
		<form noValidate className="max-w-2xl space-y-4" onSubmit={onSubmit}>
			{session.user.email_verified ? null : (
				<Notice tone="yellow">
					Confirm your email address first: open the link we sent to {session.user.email}. Until
					then the request is refused.
				</Notice>
			)}
			<TextArea
				label="What you send and to whom"
				name="use_case"
				rows={5}
				defaultValue={initial?.use_case}
				hint="At least 20 characters. Be specific: for example, order receipts and password resets for customers of our online shop."
				error={errorFor("use_case")}
			/>
			<Field
				label="Company name"
				name="company_name"
				autoComplete="organization"
				defaultValue={initial?.company_name}
				error={errorFor("company_name")}
			/>
			<Field
				label="Website"
				name="website"
				type="url"
				autoComplete="url"
				placeholder="https://"
				defaultValue={initial?.website}
				hint="An http:// or https:// address."
				error={errorFor("website")}
			/>
			<Field
				label="Expected emails per month"
				name="expected_monthly_volume"
				inputMode="numeric"
				defaultValue={initial ? String(initial.expected_monthly_volume) : undefined}
				hint="Growth includes 25,000 recipients a month, Pro 100,000."
				error={errorFor("expected_monthly_volume")}
			/>
			{submit.isError && !invalid ? <ErrorNote error={submit.error} /> : null}
			<Button type="submit" busy={submit.isPending}>
				Send Verification Request
			</Button>
		</form>
	);
}
