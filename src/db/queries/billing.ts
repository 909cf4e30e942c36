/**
 * The billing side of accounts (Stripe customer and subscription) and the ledger of Stripe
 * events already handled.
 */
import { and, eq, isNull, or } from "drizzle-orm";
import type { Db } from "../client.ts";
import { accounts, stripeEvents } from "../schema.ts";

const billingAccountColumns = {
	id: accounts.id,
	name: accounts.name,
	plan: accounts.plan,
	verificationStatus: accounts.verificationStatus,
	stripeCustomerId: accounts.stripeCustomerId,
	stripeSubscriptionId: accounts.stripeSubscriptionId,
	subscriptionStatus: accounts.subscriptionStatus,
	currentPeriodEnd: accounts.currentPeriodEnd,
};

export type BillingAccount = Pick<typeof accounts.$inferSelect, keyof typeof billingAccountColumns>;

export async function findBillingAccount(
	db: Db,
	accountId: string,
): Promise<BillingAccount | undefined> {
	const [row] = await db
		.select(billingAccountColumns)
		.from(accounts)
		.where(eq(accounts.id, accountId))
		.limit(1);
	return row;
}

/**
 * The account a Stripe customer belongs to. There is no index on stripe_customer_id yet, so this
 * scans accounts: fine for webhook traffic at today's account counts.
 */
export async function findAccountByStripeCustomer(
	db: Db,
	customerId: string,
): Promise<BillingAccount | undefined> {
	const [row] = await db
		.select(billingAccountColumns)
		.from(accounts)
		.where(eq(accounts.stripeCustomerId, customerId))
		.limit(1);
	return row;
}

/**
 * Stores the account's Stripe customer unless it already has one, and answers the customer now
 * stored: the first writer wins, so two concurrent checkouts settle on one customer.
 */
export async function linkStripeCustomer(
	db: Db,
	accountId: string,
	customerId: string,
): Promise<string | null> {
	await db
		.update(accounts)
		.set({ stripeCustomerId: customerId })
		.where(and(eq(accounts.id, accountId), isNull(accounts.stripeCustomerId)));
	const [row] = await db
		.select({ stripeCustomerId: accounts.stripeCustomerId })
		.from(accounts)
		.where(eq(accounts.id, accountId))
		.limit(1);
	return row?.stripeCustomerId ?? null;
}

export async function isStripeEventRecorded(db: Db, eventId: string): Promise<boolean> {
	const [row] = await db
		.select({ id: stripeEvents.id })
		.from(stripeEvents)
		.where(eq(stripeEvents.id, eventId))
		.limit(1);
	return row !== undefined;
}

/** What an event changes on one account, always about that account's own Stripe customer. */
export interface AccountBillingChange {
	accountId: string;
	customerId: string;
	set: Partial<
		Pick<
			typeof accounts.$inferInsert,
			| "stripeCustomerId"
			| "stripeSubscriptionId"
			| "plan"
			| "subscriptionStatus"
			| "currentPeriodEnd"
		>
	>;
}

/**
 * Records the event and applies its change in one D1 batch (a transaction), so the change
 * happens exactly when the event is first recorded. The update also requires the account to be
 * unlinked or linked to the event's customer, so it can never land on another customer's
 * account. Answers "duplicate" when the event id was recorded meanwhile (a concurrent
 * redelivery): the batch then rolled back as a whole.
 */
export async function recordStripeEvent(
	db: Db,
	event: { id: string; type: string; receivedAt: number },
	change: AccountBillingChange | null,
): Promise<"recorded" | "duplicate"> {
	const insert = db.insert(stripeEvents).values(event);
	try {
		if (change) {
			await db.batch([
				insert,
				db
					.update(accounts)
					.set(change.set)
					.where(
						and(
							eq(accounts.id, change.accountId),
							or(
								isNull(accounts.stripeCustomerId),
								eq(accounts.stripeCustomerId, change.customerId),
							),
						),
					),
			]);
		} else {
			await insert;
		}
		return "recorded";
	} catch (cause) {
		if (await isStripeEventRecorded(db, event.id)) return "duplicate";
		throw cause;
	}
}
