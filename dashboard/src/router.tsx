/**
 * Every page of the dashboard and who may open it. Pages load lazily (one chunk each), so the
 * first load carries only the shell. Logged-in pages sit under `app`, which sends anyone
 * without a session to the login page with `redirect` set to where they were going; staff
 * pages also need a staff session.
 */
import type { QueryClient } from "@tanstack/react-query";
import {
	createRootRouteWithContext,
	createRoute,
	createRouter,
	lazyRouteComponent,
	Outlet,
	redirect,
} from "@tanstack/react-router";
import { Layout } from "./components/layout.tsx";
import { ErrorNote, Loading } from "./components/ui/status.tsx";
import { sessionQuery } from "./session.ts";

interface RouterContext {
	queryClient: QueryClient;
}

const root = createRootRouteWithContext<RouterContext>()({
	component: Outlet,
	pendingComponent: () => <Loading />,
	errorComponent: ({ error, reset }) => (
		<div className="p-6">
			<ErrorNote error={error} retry={reset} />
		</div>
	),
	notFoundComponent: () => <p className="p-6 text-sm">This page does not exist.</p>,
});

/** `?redirect=/emails` on the login and sign-up pages: where to go afterwards. */
const afterLogin = (search: Record<string, unknown>) => ({
	redirect:
		typeof search.redirect === "string" && search.redirect.startsWith("/")
			? search.redirect
			: undefined,
});

const page = (importer: () => Promise<{ Page: () => React.JSX.Element }>) =>
	lazyRouteComponent(importer, "Page");

const login = createRoute({
	getParentRoute: () => root,
	path: "/login",
	validateSearch: afterLogin,
	component: page(() => import("./pages/login.tsx")),
});

const signup = createRoute({
	getParentRoute: () => root,
	path: "/signup",
	validateSearch: afterLogin,
	component: page(() => import("./pages/signup.tsx")),
});

const verifyEmail = createRoute({
	getParentRoute: () => root,
	path: "/verify-email",
	validateSearch: (search: Record<string, unknown>) => ({
		token: typeof search.token === "string" ? search.token : undefined,
	}),
	component: page(() => import("./pages/verify-email.tsx")),
});

const app = createRoute({
	getParentRoute: () => root,
	id: "app",
	beforeLoad: async ({ context, location }) => {
		const session = await context.queryClient.ensureQueryData(sessionQuery);
		if (!session) throw redirect({ to: "/login", search: { redirect: location.href } });
		return { session };
	},
	component: Layout,
});

const staff = createRoute({
	getParentRoute: () => app,
	path: "/staff",
	beforeLoad: ({ context }) => {
		if (context.session.user.role !== "staff") throw redirect({ to: "/" });
	},
});

const overview = createRoute({
	getParentRoute: () => app,
	path: "/",
	component: page(() => import("./pages/overview.tsx")),
});

const verification = createRoute({
	getParentRoute: () => app,
	path: "/verification",
	component: page(() => import("./pages/verification.tsx")),
});

const billing = createRoute({
	getParentRoute: () => app,
	path: "/billing",
	component: page(() => import("./pages/billing.tsx")),
});

const domains = createRoute({
	getParentRoute: () => app,
	path: "/domains",
	component: page(() => import("./pages/domains.tsx")),
});

const domainDetail = createRoute({
	getParentRoute: () => app,
	path: "/domains/$domainId",
	component: page(() => import("./pages/domain-detail.tsx")),
});

const awsConnection = createRoute({
	getParentRoute: () => app,
	path: "/aws-connection",
	component: page(() => import("./pages/aws-connection.tsx")),
});

const apiKeys = createRoute({
	getParentRoute: () => app,
	path: "/api-keys",
	component: page(() => import("./pages/api-keys.tsx")),
});

const emails = createRoute({
	getParentRoute: () => app,
	path: "/emails",
	component: page(() => import("./pages/emails.tsx")),
});

const emailDetail = createRoute({
	getParentRoute: () => app,
	path: "/emails/$emailId",
	component: page(() => import("./pages/email-detail.tsx")),
});

const metrics = createRoute({
	getParentRoute: () => app,
	path: "/metrics",
	component: page(() => import("./pages/metrics.tsx")),
});

const suppressions = createRoute({
	getParentRoute: () => app,
	path: "/suppressions",
	component: page(() => import("./pages/suppressions.tsx")),
});

const webhooks = createRoute({
	getParentRoute: () => app,
	path: "/webhooks",
	component: page(() => import("./pages/webhooks.tsx")),
});

const webhookDetail = createRoute({
	getParentRoute: () => app,
	path: "/webhooks/$webhookId",
	component: page(() => import("./pages/webhook-detail.tsx")),
});

const guides = createRoute({
	getParentRoute: () => app,
	path: "/guides/$guide",
	component: page(() => import("./pages/guides.tsx")),
});

const staffQueue = createRoute({
	getParentRoute: () => staff,
	path: "/",
	component: page(() => import("./pages/staff/queue.tsx")),
});

const staffAccounts = createRoute({
	getParentRoute: () => staff,
	path: "/accounts",
	component: page(() => import("./pages/staff/accounts.tsx")),
});

const staffAccount = createRoute({
	getParentRoute: () => staff,
	path: "/accounts/$accountId",
	component: page(() => import("./pages/staff/account.tsx")),
});

const routeTree = root.addChildren([
	login,
	signup,
	verifyEmail,
	app.addChildren([
		overview,
		verification,
		billing,
		domains,
		domainDetail,
		awsConnection,
		apiKeys,
		emails,
		emailDetail,
		metrics,
		suppressions,
		webhooks,
		webhookDetail,
		guides,
		staff.addChildren([staffQueue, staffAccounts, staffAccount]),
	]),
]);

export function createAppRouter(queryClient: QueryClient) {
	return createRouter({
		routeTree,
		context: { queryClient },
		defaultPreload: "intent",
		defaultPendingMs: 150,
		scrollRestoration: true,
	});
}

declare module "@tanstack/react-router" {
	interface Register {
		router: ReturnType<typeof createAppRouter>;
	}
}
