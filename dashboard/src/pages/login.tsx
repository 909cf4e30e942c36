import { Link, useSearch } from "@tanstack/react-router";
import { api } from "../api.ts";
import { Field } from "../components/ui/fields.tsx";
import { AuthFrame, SubmitRow, useAuthSubmit } from "./auth-form.tsx";

export function Page() {
	const { redirect } = useSearch({ from: "/login" });
	const { onSubmit, busy, error } = useAuthSubmit(
		(form) =>
			api.auth.login({ email: String(form.get("email")), password: String(form.get("password")) }),
		redirect,
	);
	return (
		<AuthFrame title="Log in">
			{redirect ? (
				<p className="text-sm text-slate-600">
					Your session ended. Log in to go back where you were.
				</p>
			) : null}
			<form className="space-y-4" onSubmit={onSubmit}>
				<Field label="Email" name="email" type="email" autoComplete="email" required />
				<Field
					label="Password"
					name="password"
					type="password"
					autoComplete="current-password"
					required
				/>
				<SubmitRow busy={busy} label="Log in" error={error} />
			</form>
			<p className="text-sm text-slate-600">
				New to SendFleet?{" "}
				<Link to="/signup" search={{ redirect }} className="font-medium text-indigo-700 underline">
					Sign up
				</Link>
			</p>
		</AuthFrame>
	);
}
