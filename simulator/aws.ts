// `SesSimulator.aws`: the controls a test or a developer uses to play the customers' AWS side
// (create accounts and keys, create and delete the role SendFleet assumes, toggle the sandbox,
// deny an IAM action, verify a recipient address) and the views the /aws page and the JSON
// controls show. routes/aws-controls.ts and routes/aws-page.ts expose the same functions.

import {
	type Account,
	AwsControlError,
	type AwsRegistry,
	isRegionName,
	newAccessKeyId,
	newAccountId,
	newRoleId,
	newSecretAccessKey,
	PLATFORM_ACCOUNT_ID,
	quotaOf,
	roleArnOf,
} from "./aws-accounts.ts";
import type { DnsStore } from "./dns.ts";
import { type DomainView, describeIdentity, parseDomainName } from "./identities.ts";
import type { SimulatorStore } from "./store.ts";

export interface AssumeRoleCall {
	roleArn: string;
	externalId: string | null;
	ok: boolean;
	/** ISO 8601, the simulator's clock. */
	at: string;
}

export interface CreateAccountInput {
	/** 12 digits; default a random free id. */
	accountId?: string;
	/** Default true, as a new AWS account's SES is. */
	sandbox?: boolean;
	maxSendRate?: number;
	max24HourSend?: number;
	/** A fixed first key (the `npm start` demo account); default a random one. */
	accessKeyId?: string;
	secretAccessKey?: string;
}

export interface AwsAccountView {
	accountId: string;
	sandbox: boolean;
	maxSendRate: number;
	max24HourSend: number;
	sentLast24Hours: number;
	accessKeys: {
		accessKeyId: string;
		secretAccessKey: string;
		revoked: boolean;
		createdAt: string;
	}[];
	roles: { roleArn: string; name: string; trustedAccountId: string; externalId: string }[];
	/** IAM actions denied to the account, e.g. `ses:SendEmail`. */
	denied: string[];
	/** Every region where the account has SES identities or verified addresses. */
	regions: { region: string; identities: DomainView[]; verifiedAddresses: string[] }[];
}

export interface SimulatorAws {
	platformAccountId: string;
	createAccount(input?: CreateAccountInput): {
		accountId: string;
		accessKeyId: string;
		secretAccessKey: string;
	};
	createAccessKey(accountId: string): { accessKeyId: string; secretAccessKey: string };
	revokeAccessKey(accessKeyId: string): void;
	createRole(
		accountId: string,
		input: { name: string; externalId: string; trustedAccountId?: string },
	): { roleArn: string };
	deleteRole(roleArn: string): void;
	setSandbox(accountId: string, sandbox: boolean): void;
	setDenied(accountId: string, action: string, denied: boolean): void;
	verifyAddress(accountId: string, region: string, address: string): void;
	assumeRoleCalls: AssumeRoleCall[];
	account(accountId: string): AwsAccountView | undefined;
	accounts(): AwsAccountView[];
}

export interface AwsDeps {
	registry: AwsRegistry;
	store: SimulatorStore;
	dns: DnsStore;
	now: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const ACCOUNT_ID = /^\d{12}$/;
// IAM role names: 1–64 of these (IAM API reference, CreateRole).
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// IAM actions as policies name them, `service:Action`.
const IAM_ACTION = /^[a-z0-9-]+:[A-Za-z0-9*]+$/;
const KEY_ID = /^[A-Z0-9]{16,128}$/;

/** The account's messages the simulator accepted in the 24 hours before `now` (GetAccount's figure). */
export function sentLast24Hours(store: SimulatorStore, accountId: string, now: Date): number {
	const since = now.getTime() - DAY_MS;
	return store
		.listMessages()
		.filter((m) => m.awsAccountId === accountId && Date.parse(m.receivedAt) > since).length;
}

export function createAws(deps: AwsDeps): SimulatorAws {
	const { registry, now } = deps;

	const requireAccount = (accountId: string): Account => {
		const account = registry.accounts.get(accountId);
		if (account === undefined) throw new AwsControlError(404, `No AWS account ${accountId}.`);
		return account;
	};
	const addKey = (accountId: string, accessKeyId?: string, secretAccessKey?: string) => {
		const id = accessKeyId ?? newAccessKeyId("AKIA");
		if (!KEY_ID.test(id))
			throw new AwsControlError(400, "accessKeyId must be 16+ capitals or digits.");
		if (registry.keys.has(id)) throw new AwsControlError(409, `Access key ${id} already exists.`);
		const secret = secretAccessKey ?? newSecretAccessKey();
		registry.keys.set(id, {
			accessKeyId: id,
			secretAccessKey: secret,
			accountId,
			createdAt: now(),
			revoked: false,
		});
		return { accessKeyId: id, secretAccessKey: secret };
	};

	const view = (account: Account): AwsAccountView => {
		const regions = [...registry.regions.entries()]
			.filter(
				([key, state]) =>
					key.startsWith(`${account.accountId}/`) &&
					(state.identities.list().length > 0 || state.addresses.size > 0),
			)
			.map(([key, state]) => ({
				region: key.slice(account.accountId.length + 1),
				identities: state.identities
					.list()
					.map((identity) =>
						describeIdentity(identity, deps.dns, key.slice(account.accountId.length + 1), now()),
					),
				verifiedAddresses: [...state.addresses].sort(),
			}))
			.sort((a, b) => (a.region < b.region ? -1 : 1));
		return {
			accountId: account.accountId,
			sandbox: account.sandbox,
			...quotaOf(account),
			sentLast24Hours: sentLast24Hours(deps.store, account.accountId, now()),
			accessKeys: [...registry.keys.values()]
				.filter((k) => k.accountId === account.accountId)
				.map((k) => ({
					accessKeyId: k.accessKeyId,
					secretAccessKey: k.secretAccessKey,
					revoked: k.revoked,
					createdAt: k.createdAt.toISOString(),
				})),
			roles: [...registry.roles.values()]
				.filter((r) => r.accountId === account.accountId)
				.map((r) => ({
					roleArn: roleArnOf(r),
					name: r.name,
					trustedAccountId: r.trustedAccountId,
					externalId: r.externalId,
				})),
			denied: [...account.denied].sort(),
			regions,
		};
	};

	return {
		platformAccountId: PLATFORM_ACCOUNT_ID,
		createAccount(input = {}) {
			const accountId = input.accountId ?? newAccountId((id) => registry.accounts.has(id));
			if (!ACCOUNT_ID.test(accountId) || accountId === PLATFORM_ACCOUNT_ID) {
				throw new AwsControlError(400, "accountId must be 12 digits, not the platform's.");
			}
			if (registry.accounts.has(accountId)) {
				throw new AwsControlError(409, `AWS account ${accountId} already exists.`);
			}
			for (const name of ["maxSendRate", "max24HourSend"] as const) {
				const value = input[name];
				if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
					throw new AwsControlError(400, `${name} must be a number ≥ 0.`);
				}
			}
			if ((input.accessKeyId === undefined) !== (input.secretAccessKey === undefined)) {
				throw new AwsControlError(400, "Give both accessKeyId and secretAccessKey, or neither.");
			}
			if (input.accessKeyId !== undefined && registry.keys.has(input.accessKeyId)) {
				throw new AwsControlError(409, `Access key ${input.accessKeyId} already exists.`);
			}
			registry.accounts.set(accountId, {
				accountId,
				sandbox: input.sandbox ?? true,
				maxSendRate: input.maxSendRate ?? null,
				max24HourSend: input.max24HourSend ?? null,
				denied: new Set(),
				createdAt: now(),
			});
			return { accountId, ...addKey(accountId, input.accessKeyId, input.secretAccessKey) };
		},
		createAccessKey: (accountId) => addKey(requireAccount(accountId).accountId),
		revokeAccessKey(accessKeyId) {
			const key = registry.keys.get(accessKeyId);
			if (key === undefined) throw new AwsControlError(404, `No access key ${accessKeyId}.`);
			// Kept, not forgotten: a revoked key must stay refused, even by a simulator that accepts
			// any unknown key as the platform's.
			key.revoked = true;
		},
		createRole(accountId, input) {
			requireAccount(accountId);
			if (!ROLE_NAME.test(input.name)) {
				throw new AwsControlError(400, "name must be 1–64 characters of [\\w+=,.@-].");
			}
			if (!/^[\w+=,.@:/-]{2,1224}$/.test(input.externalId)) {
				throw new AwsControlError(400, "externalId must be 2–1224 characters of [\\w+=,.@:/-].");
			}
			const trustedAccountId = input.trustedAccountId ?? PLATFORM_ACCOUNT_ID;
			if (!ACCOUNT_ID.test(trustedAccountId)) {
				throw new AwsControlError(400, "trustedAccountId must be 12 digits.");
			}
			const roleArn = roleArnOf({ accountId, name: input.name });
			if (registry.roles.has(roleArn))
				throw new AwsControlError(409, `Role ${roleArn} already exists.`);
			registry.roles.set(roleArn, {
				name: input.name,
				roleId: newRoleId(),
				accountId,
				trustedAccountId,
				externalId: input.externalId,
				createdAt: now(),
			});
			return { roleArn };
		},
		deleteRole(roleArn) {
			if (!registry.roles.delete(roleArn)) throw new AwsControlError(404, `No role ${roleArn}.`);
		},
		setSandbox(accountId, sandbox) {
			requireAccount(accountId).sandbox = sandbox;
		},
		setDenied(accountId, action, denied) {
			const account = requireAccount(accountId);
			if (!IAM_ACTION.test(action)) {
				throw new AwsControlError(400, "action must be an IAM action such as ses:SendEmail.");
			}
			if (denied) account.denied.add(action);
			else account.denied.delete(action);
		},
		verifyAddress(accountId, region, address) {
			requireAccount(accountId);
			if (!isRegionName(region)) throw new AwsControlError(400, `Not an AWS region: ${region}`);
			const at = address.lastIndexOf("@");
			if (at < 1 || parseDomainName(address.slice(at + 1)) === null) {
				throw new AwsControlError(400, `Not an email address: ${address}`);
			}
			registry.regionState(accountId, region).addresses.add(address.trim().toLowerCase());
		},
		assumeRoleCalls: [],
		account(accountId) {
			const account = registry.accounts.get(accountId);
			return account === undefined ? undefined : view(account);
		},
		accounts: () => [...registry.accounts.values()].map(view),
	};
}
