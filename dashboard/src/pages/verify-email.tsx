/** The page the verification link opens: proves the address with the link's token. */
import { useQuery } from "@tanstack/react-query";
import { Link, useSearch } from "@tanstack/react-router";
import { api } from "../api.ts";
import { ErrorNote, Loading, Notice } from "../components/ui/status.tsx";
import { AuthFrame } from "./auth-form.tsx";

export function Page() {
	const { token } = useSearch({ from: "/verify-email" });
	// A query, not an effect: the page may mount twice while its chunk loads, and a token
	// works once, so the one request is shared and its answer kept.
	const verify = useQuery({
		queryKey: ["verify-email", token],
		queryFn: () => api.auth.verifyEmail({ token: token ?? "" }),
		enabled: Boolean(token),
		retry: false,
		staleTime: Number.POSITIVE_INFINITY,
	});
	return (
		<AuthFrame title="Verify your email">
			{!token ? (
				<ErrorNote
					error={new Error("This link has no token. Open the link from the email again.")}
				/>
			) : verify.isPending ? (
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
