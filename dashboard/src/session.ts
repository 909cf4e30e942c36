/**
 * The logged-in session: who the user is, their account, and the CSRF token every write needs.
 * Read once through TanStack Query and kept; logging in or out replaces it.
 */
import { queryOptions, useSuspenseQuery } from "@tanstack/react-query";
import { ApiFailure, api, type Schemas, setCsrfToken } from "./api.ts";

export type Session = Schemas["Session"];

/** The session, or null when nobody is logged in (a 401 is an answer here, not an error). */
export const sessionQuery = queryOptions({
	queryKey: ["session"],
	queryFn: async (): Promise<Session | null> => {
		try {
			const session = await api.auth.session();
			setCsrfToken(session.csrf_token);
			return session;
		} catch (error) {
			if (error instanceof ApiFailure && error.status === 401) {
				setCsrfToken(null);
				return null;
			}
			throw error;
		}
	},
	staleTime: 5 * 60_000,
});

/** The session inside the logged-in pages, where the router has made sure there is one. */
export function useSession(): Session {
	const { data } = useSuspenseQuery(sessionQuery);
	if (!data) throw new Error("No session: the router should have sent the user to log in.");
	return data;
}
