/**
 * A scheduled email's panel on its page: when it goes out, and the two things that can still
 * be done while it waits (PATCH /emails/{id} to move it, POST /emails/{id}/cancel). Once it
 * starts sending the API answers 409 `email_not_scheduled`; its message shows as it is, and
 * the page is refetched so it shows what happened instead.
 */
import * as Dialog from "@radix-ui/react-dialog";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ApiFailure, api } from "../../api.ts";
import { ConfirmButton } from "../confirm.tsx";
import { Button } from "../ui/buttons.tsx";
import { Field } from "../ui/fields.tsx";
import { formatDate } from "../ui/format.ts";
import { ErrorNote } from "../ui/status.tsx";

/** An instant as `<input type="datetime-local">` wants it: `YYYY-MM-DDTHH:mm`, local time. */
function localInputValue(iso: string): string {
	const d = new Date(iso);
	const pad = (n: number) => String(n).padStart(2, "0");
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Refetches the email (and the log) after a change, or after the API said it moved on. */
function useRefresh() {
	const queryClient = useQueryClient();
	return () => queryClient.invalidateQueries({ queryKey: ["emails"] });
}

async function refreshingOnConflict<T>(call: Promise<T>, refresh: () => Promise<void>) {
	try {
		return await call;
	} catch (error) {
		if (error instanceof ApiFailure && error.status === 409) await refresh();
		throw error;
	}
}

export function SchedulePanel({ emailId, scheduledAt }: { emailId: string; scheduledAt: string }) {
	const refresh = useRefresh();
	return (
		<section
			aria-labelledby="schedule-title"
			className="flex flex-wrap items-center justify-between gap-3 rounded-md bg-amber-50 p-4 text-sm text-amber-900 ring-1 ring-amber-200"
		>
			<div>
				<h2 id="schedule-title" className="font-semibold">
					Scheduled for <time dateTime={scheduledAt}>{formatDate(scheduledAt)}</time>
				</h2>
				<p className="mt-1">
					It waits until then. You can move it or cancel it until it starts sending.
				</p>
			</div>
			<div className="flex flex-wrap gap-2">
				<RescheduleButton emailId={emailId} scheduledAt={scheduledAt} refresh={refresh} />
				<ConfirmButton
					label="Cancel email"
					title="Cancel this email?"
					description="It will not be sent. Its status becomes failed, with the reason “Canceled before its scheduled time.” This cannot be undone."
					confirmLabel="Cancel email"
					dismissLabel="Keep it scheduled"
					onConfirm={async () => {
						await refreshingOnConflict(api.emails.cancel(emailId), refresh);
						await refresh();
					}}
				/>
			</div>
		</section>
	);
}

function RescheduleButton({
	emailId,
	scheduledAt,
	refresh,
}: {
	emailId: string;
	scheduledAt: string;
	refresh: () => Promise<void>;
}) {
	const [open, setOpen] = useState(false);
	const [when, setWhen] = useState("");
	const [words, setWords] = useState("");
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<unknown>(null);

	const submit = async (event: FormEvent) => {
		event.preventDefault();
		setError(null);
		// Words win when given: the API parses them ("in 1 hour", "tomorrow at 9am UTC").
		const scheduled_at = words.trim() || (when ? new Date(when).toISOString() : "");
		if (!scheduled_at) {
			setError(new Error("Choose the new time, or write it in words."));
			return;
		}
		setBusy(true);
		try {
			await refreshingOnConflict(api.emails.reschedule(emailId, { scheduled_at }), refresh);
			await refresh();
			setOpen(false);
		} catch (e) {
			setError(e);
		} finally {
			setBusy(false);
		}
	};

	return (
		<Dialog.Root
			open={open}
			onOpenChange={(next) => {
				setOpen(next);
				setError(null);
				if (next) {
					setWhen(localInputValue(scheduledAt));
					setWords("");
				}
			}}
		>
			<Dialog.Trigger asChild>
				<Button tone="secondary">Reschedule</Button>
			</Dialog.Trigger>
			<Dialog.Portal>
				<Dialog.Overlay className="fixed inset-0 bg-slate-900/40" />
				<Dialog.Content className="fixed top-1/2 left-1/2 w-[calc(100%-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 rounded-lg bg-white p-6 shadow-xl">
					<form onSubmit={submit} className="space-y-4">
						<Dialog.Title className="text-lg font-semibold">Reschedule this email</Dialog.Title>
						<Dialog.Description className="text-sm text-slate-600">
							Now scheduled for {formatDate(scheduledAt)}. Pick a new time in your time zone, or
							write one in words; at most 30 days ahead.
						</Dialog.Description>
						<Field
							label="New time"
							type="datetime-local"
							name="scheduled_at"
							value={when}
							onChange={(e) => setWhen(e.target.value)}
						/>
						<Field
							label="Or in words"
							name="scheduled_at_words"
							placeholder="in 1 hour"
							hint="For example “in 2 hours” or “tomorrow at 9am UTC”; used instead of the time above."
							value={words}
							onChange={(e) => setWords(e.target.value)}
						/>
						{error ? <ErrorNote error={error} /> : null}
						<div className="flex justify-end gap-2">
							<Dialog.Close asChild>
								<Button tone="secondary">Close</Button>
							</Dialog.Close>
							<Button type="submit" busy={busy}>
								Reschedule
							</Button>
						</div>
					</form>
				</Dialog.Content>
			</Dialog.Portal>
		</Dialog.Root>
	);
}
