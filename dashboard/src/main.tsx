/**
 * The dashboard's entry: TanStack Query for the API's data, TanStack Router for the pages.
 * A 401 from any call means the session ended (expired, or logged out elsewhere): the user is
 * sent to the login page, and back to the page they were on once logged in again.
 */
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiFailure } from "./api.ts";
import { createAppRouter } from "./router.tsx";
import { sessionQuery } from "./session.ts";
import "./styles.css";

function onApiError(error: unknown) {
	if (!(error instanceof ApiFailure) || error.status !== 401) return;
	const here = router.state.location;
	if (here.pathname === "/login" || here.pathname === "/signup") return;
	queryClient.setQueryData(sessionQuery.queryKey, null);
	void router.navigate({ to: "/login", search: { redirect: here.href } });
}

const queryClient = new QueryClient({
	queryCache: new QueryCache({ onError: onApiError }),
	mutationCache: new MutationCache({ onError: onApiError }),
	defaultOptions: {
		queries: {
			// A 4xx will not change by asking again; a network blip might.
			retry: (count, error) => !(error instanceof ApiFailure && error.status >= 400) && count < 2,
			refetchOnWindowFocus: false,
		},
	},
});
const router = createAppRouter(queryClient);

const container = document.getElementById("root");
if (!container) throw new Error("index.html has no #root");
createRoot(container).render(
	<StrictMode>
		<QueryClientProvider client={queryClient}>
			<RouterProvider router={router} />
		</QueryClientProvider>
	</StrictMode>,
);
