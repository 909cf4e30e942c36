/** The page the verification link opens: proves the address with the link's token. */
import { useMutation } from "@tanstack/react-query";
import { Link, useSearch } from "@tanstack/react-router";
import { useEffect } from "react";
import { api } from "../api.ts";
import { ErrorNote, Loading, Notice } from "../components/ui.tsx";
import { AuthFrame } from "./auth-form.tsx";

export function Page() {
	const { token } = useSearch({ from: "/verify-email" });
	const verify = useMutation({ mutationFn: (t: string) => api.auth.verifyEmail({ token: t }) });
	const { mutate } = verify;
	useEffect(() => {
		if (token) mutate(token);
	}, [token, mutate]);
	return (
		<AuthFrame title="Verify your email">
			{!token ? (
				<ErrorNote
					error={new Error("This link has no token. Open the link from the email again.")}
				/>
			) : verify.isPending || verify.isIdle ? (
				<Loading what="Verifying" />
			) : verify.isError ? (
				<ErrorNote error={verify.error} />
			) : (
				<Notice tone="green">Your email address is verified.</Notice>
			)}
			<Link to="/" className="text-sm font-medium text-indigo-700 underline">
				Go to the dashboard
			</Link>
		</AuthFrame>
	);
}
