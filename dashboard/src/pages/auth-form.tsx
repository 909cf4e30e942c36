/** The frame and form logic shared by the login and sign-up pages. */
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, type ReactNode, useState } from "react";
import { type Schemas, setCsrfToken } from "../api.ts";
import { Button } from "../components/ui/buttons.tsx";
import { ErrorNote } from "../components/ui/status.tsx";
import { sessionQuery } from "../session.ts";

export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
	return (
		<main className="flex min-h-screen items-center justify-center p-4">
			<div className="w-full max-w-sm space-y-6 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
				<div>
					<p className="text-lg font-bold text-indigo-700">SendFleet</p>
					<h1 className="mt-2 text-2xl font-semibold tracking-tight">{title}</h1>
				</div>
				{children}
			</div>
		</main>
	);
}

/** Submits the form; on success stores the session and goes where the user was headed. */
export function useAuthSubmit(
	submit: (form: FormData) => Promise<Schemas["Session"]>,
	redirect: string | undefined,
) {
	const queryClient = useQueryClient();
	const navigate = useNavigate();
	const [error, setError] = useState<unknown>(null);
	const [busy, setBusy] = useState(false);
	const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
		event.preventDefault();
		setBusy(true);
		setError(null);
		try {
			const session = await submit(new FormData(event.currentTarget));
			setCsrfToken(session.csrf_token);
			queryClient.setQueryData(sessionQuery.queryKey, session);
			await navigate({ to: redirect ?? "/" });
		} catch (e) {
			setError(e);
		} finally {
			setBusy(false);
		}
	};
	return { onSubmit, busy, error };
}

export function SubmitRow({
	busy,
	label,
	error,
}: {
	busy: boolean;
	label: string;
	error: unknown;
}) {
	return (
		<>
			{error ? <ErrorNote error={error} /> : null}
			<Button type="submit" busy={busy} className="w-full">
				{label}
			</Button>
		</>
	);
}
