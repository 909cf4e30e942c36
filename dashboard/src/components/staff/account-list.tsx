/**
 * The account list in its two views: a table of every account, and the suspended ones as cards
 * with the reason, the figures that caused it and Reinstate (a form per account does not fit a
 * table row on a phone).
 */
import { Link } from "@tanstack/react-router";
import type { Schemas } from "../../api.ts";
import { Card, Cell, Table } from "../ui/containers.tsx";
import { formatDate } from "../ui/format.ts";
import { StatusBadge } from "../ui/status.tsx";
import { Details } from "./details.tsx";
import { FigureList } from "./figures.tsx";
import { ReinstateForm } from "./reinstate.tsx";

type Account = Schemas["StaffAccount"];

function AccountLink({ account }: { account: Account }) {
	return (
		<Link
			to="/staff/accounts/$accountId"
			params={{ accountId: account.id }}
			className="font-medium text-indigo-700 underline"
		>
			{account.name}
		</Link>
	);
}

export function AccountTable({ accounts }: { accounts: Account[] }) {
	return (
		<Table
			head={["Account", "Owner", "Plan", "Verification", "Subscription", "Sending", "Created"]}
		>
			{accounts.map((a) => (
				<tr key={a.id}>
					<Cell className="min-w-40">
						<AccountLink account={a} />
					</Cell>
					<Cell className="whitespace-nowrap">{a.owner_email ?? "—"}</Cell>
					<Cell className="capitalize">{a.plan}</Cell>
					<Cell>
						<StatusBadge status={a.verification_status} />
					</Cell>
					<Cell>
						<StatusBadge status={a.subscription_status} />
					</Cell>
					<Cell>
						<StatusBadge status={a.suspended_at ? "suspended" : "active"} />
					</Cell>
					<Cell className="whitespace-nowrap">{formatDate(a.created_at)}</Cell>
				</tr>
			))}
		</Table>
	);
}

export function SuspendedList({
	accounts,
	onReinstated,
}: {
	accounts: Account[];
	onReinstated: (message: string) => void;
}) {
	return (
		<ul className="space-y-4">
			{accounts.map((a) => (
				<li key={a.id}>
					<Card title={<AccountLink account={a} />}>
						<div className="space-y-4">
							<Details
								items={[
									["Owner", a.owner_email ?? "—"],
									[
										"Plan",
										<span key="plan" className="capitalize">
											{a.plan}
										</span>,
									],
									["Suspended", formatDate(a.suspended_at)],
									["Reason", a.suspension_reason ?? "—"],
								]}
							/>
							<div>
								<h3 className="mb-2 text-sm font-semibold">Figures at suspension</h3>
								<FigureList figures={a.suspension_details} />
							</div>
							<ReinstateForm accountId={a.id} accountName={a.name} onReinstated={onReinstated} />
						</div>
					</Card>
				</li>
			))}
		</ul>
	);
}
