/**
 * The logged-in frame: navigation (a sidebar on wide screens, a menu button at 375 px), the
 * user and Log out, and the page. Staff see the staff pages too.
 */
import { useQueryClient } from "@tanstack/react-query";
import { Link, Outlet, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api } from "../api.ts";
import { useSession } from "../session.ts";
import { Button } from "./ui/buttons.tsx";

const NAV = [
	{ to: "/", label: "Overview" },
	{ to: "/verification", label: "Verification Request" },
	{ to: "/billing", label: "Billing" },
	{ to: "/domains", label: "Domains" },
	{ to: "/aws-connection", label: "AWS connection" },
	{ to: "/api-keys", label: "API Keys" },
	{ to: "/emails", label: "Emails" },
	{ to: "/metrics", label: "Metrics" },
	{ to: "/suppressions", label: "Suppressions" },
	{ to: "/webhooks", label: "Webhooks" },
] as const;

const STAFF_NAV = [
	{ to: "/staff", label: "Verification queue" },
	{ to: "/staff/accounts", label: "Accounts" },
] as const;

export function Layout() {
	const session = useSession();
	const [open, setOpen] = useState(false);
	const queryClient = useQueryClient();
	const navigate = useNavigate();
	const logOut = async () => {
		await api.auth.logout().catch(() => {});
		queryClient.clear();
		await navigate({ to: "/login", search: { redirect: undefined } });
	};
	const link =
		"block rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 data-[status=active]:bg-indigo-50 data-[status=active]:text-indigo-700";

	return (
		<div className="min-h-screen lg:flex">
			<a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
				Skip to content
			</a>
			<aside className="border-b border-slate-200 bg-white lg:sticky lg:top-0 lg:h-screen lg:w-60 lg:shrink-0 lg:border-r lg:border-b-0">
				<div className="flex items-center justify-between p-4">
					<Link to="/" className="text-lg font-bold text-indigo-700">
						SendFleet
					</Link>
					<button
						type="button"
						className="rounded-md p-2 ring-1 ring-slate-300 lg:hidden"
						aria-expanded={open}
						aria-controls="main-nav"
						onClick={() => setOpen(!open)}
					>
						Menu
					</button>
				</div>
				<nav
					id="main-nav"
					aria-label="Main"
					className={`${open ? "block" : "hidden"} space-y-1 px-2 pb-4 lg:block`}
				>
					{NAV.map((item) => (
						<Link
							key={item.to}
							to={item.to}
							className={link}
							activeOptions={{ exact: item.to === "/" }}
							onClick={() => setOpen(false)}
						>
							{item.label}
						</Link>
					))}
					<Link
						to="/guides/$guide"
						params={{ guide: "dns-records" }}
						className={link}
						onClick={() => setOpen(false)}
					>
						Guides
					</Link>
					{session.user.role === "staff" ? (
						<>
							<p className="px-3 pt-4 text-xs font-semibold uppercase tracking-wide text-slate-500">
								Staff
							</p>
							{STAFF_NAV.map((item) => (
								<Link
									key={item.to}
									to={item.to}
									className={link}
									activeOptions={{ exact: true, includeSearch: false }}
									onClick={() => setOpen(false)}
								>
									{item.label}
								</Link>
							))}
						</>
					) : null}
					<div className="border-t border-slate-200 px-3 pt-4">
						<p className="truncate text-xs text-slate-600" title={session.user.email}>
							{session.user.email}
						</p>
						<Button tone="secondary" className="mt-2 w-full" onClick={logOut}>
							Log out
						</Button>
					</div>
				</nav>
			</aside>
			<main id="main" className="min-w-0 flex-1 p-4 sm:p-8">
				<Outlet />
			</main>
		</div>
	);
}
