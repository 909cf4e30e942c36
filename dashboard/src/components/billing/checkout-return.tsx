/**
 * Coming back from Stripe Checkout (`/billing?checkout=success|canceled`). The plan changes
 * when Stripe's webhook reaches the API, which may be a second after the browser is back, so
 * after a success the account is read again a few times until the plan shows up.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import { accountQuery, planInGoodStanding } from "../overview/account-query.ts";
import { Button, Spinner } from "../ui/buttons.tsx";
import { Notice } from "../ui/status.tsx";
import { PLAN_NAMES } from "./plans.ts";

const POLL_MS = 1500;
const POLLS = 8;

type Outcome = "success" | "canceled" | null;

/** Reads `?checkout=` once, then drops it from the address so a reload does not repeat it. */
function useCheckoutOutcome(): [Outcome, () => void] {
	// The /billing route declares no search schema, so the parameter arrives as it was sent.
	const search = useSearch({ strict: false }) as { checkout?: unknown };
	const navigate = useNavigate();
	const [outcome, setOutcome] = useState<Outcome>(() =>
		search.checkout === "success" || search.checkout === "canceled" ? search.checkout : null,
	);
	useEffect(() => {
		if (search.checkout !== undefined) void navigate({ to: "/billing", search: {}, replace: true });
	}, [search.checkout, navigate]);
	return [outcome, () => setOutcome(null)];
}

/** The account query, polled after a successful checkout until the plan is active. */
export function useBillingAccount() {
	const [outcome, dismiss] = useCheckoutOutcome();
	const queryClient = useQueryClient();
	// Counted from the first render back from Checkout, whatever the cache already held.
	const updates = queryClient.getQueryState(accountQuery.queryKey)?.dataUpdateCount ?? 0;
	const start = useRef(updates);
	const data = queryClient.getQueryData(accountQuery.queryKey);
	const polling =
		outcome === "success" && !(data && planInGoodStanding(data)) && updates - start.current < POLLS;
	const account = useQuery({ ...accountQuery, refetchInterval: polling ? POLL_MS : false });
	return { account, outcome, polling, dismiss };
}

export function CheckoutNotice({
	outcome,
	account,
	polling,
	dismiss,
}: ReturnType<typeof useBillingAccount>) {
	if (!outcome) return null;
	const close = (
		<Button tone="secondary" className="px-2 py-1 text-xs" onClick={dismiss}>
			Dismiss
		</Button>
	);
	if (outcome === "canceled") {
		return (
			<Row close={close} tone="yellow">
				Checkout was canceled and nothing was charged. Choose a plan whenever you are ready.
			</Row>
		);
	}
	const data = account.data;
	if (data && planInGoodStanding(data)) {
		return (
			<Row close={close} tone="green">
				Thank you! Your {PLAN_NAMES[data.plan]} plan is active.
			</Row>
		);
	}
	return (
		<Row
			tone="blue"
			close={
				<span className="flex gap-2">
					{polling ? null : (
						<Button
							tone="secondary"
							className="px-2 py-1 text-xs"
							onClick={() => account.refetch()}
						>
							Check again
						</Button>
					)}
					{close}
				</span>
			}
		>
			{polling ? (
				<span className="inline-flex items-center gap-2">
					<Spinner /> Payment received. Waiting for Stripe to confirm your subscription…
				</span>
			) : (
				"Stripe has not confirmed the subscription yet; it can take a minute."
			)}
		</Row>
	);
}

function Row({
	tone,
	close,
	children,
}: {
	tone: "blue" | "yellow" | "green";
	close: React.ReactNode;
	children: React.ReactNode;
}) {
	return (
		<Notice tone={tone}>
			<div className="flex flex-wrap items-center justify-between gap-2">
				<div>{children}</div>
				{close}
			</div>
		</Notice>
	);
}
