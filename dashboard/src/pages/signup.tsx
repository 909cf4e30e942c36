import { Link, useSearch } from "@tanstack/react-router";
import { api } from "../api.ts";
import { Field } from "../components/ui/fields.tsx";
import { AuthFrame, SubmitRow, useAuthSubmit } from "./auth-form.tsx";

export function Page() {
	const { redirect } = useSearch({ from: "/signup" });
	const { onSubmit, busy, error } = useAuthSubmit((form) => {
		const accountName = String(form.get("account_name") ?? "").trim();
		return api.auth.signup({
			email: String(form.get("email")),
			password: String(form.get("password")),
			...(accountName ? { account_name: accountName } : {}),
		});
	}, redirect);
	return (
		<AuthFrame title="Create your account">
			<form className="space-y-4" onSubmit={onSubmit}>
				<Field label="Email" name="email" type="email" autoComplete="email" required />
				<Field
					label="Password"
					name="password"
					type="password"
					autoComplete="new-password"
					hint="At least 10 characters, not your email address."
					required
				/>
				<Field label="Company or project name" name="account_name" autoComplete="organization" />
				<SubmitRow busy={busy} label="Sign up" error={error} />
			</form>
			<p className="text-sm text-slate-600">
				Already have an account?{" "}
				<Link to="/login" search={{ redirect }} className="font-medium text-indigo-700 underline">
					Log in
				</Link>
			</p>
		</AuthFrame>
	);
}
