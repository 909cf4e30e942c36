// The AWS accounts the simulator stands for. The platform account (SendFleet's own, id
// 000000000000) is what the simulator always was: its key is `options.credentials` (or, without
// them, any key no customer owns), and its SES identities are the simulator's original store.
// Customer accounts ("bring your own cloud") are created here: each has access keys, IAM roles
// SendFleet may assume through STS, a sandbox flag with SES's quotas, IAM actions denied to it
// (a policy missing a permission), and SES identities per region. Temporary credentials that
// AssumeRole hands out are kept here too; aws-auth.ts turns any key into the account it acts as.

import { createIdentityStore, type IdentityStore } from "./identities.ts";

export const PLATFORM_ACCOUNT_ID = "000000000000";

export interface AccessKey {
	accessKeyId: string;
	secretAccessKey: string;
	accountId: string;
	createdAt: Date;
	revoked: boolean;
}

export interface Role {
	name: string;
	/** `AROA…`: AWS gives a recreated role a new id, so old sessions do not come back with it. */
	roleId: string;
	accountId: string;
	trustedAccountId: string;
	externalId: string;
	createdAt: Date;
}

/** Temporary credentials from AssumeRole; they act as the role's account. */
export interface Session {
	accessKeyId: string;
	secretAccessKey: string;
	sessionToken: string;
	roleArn: string;
	roleId: string;
	accountId: string;
	sessionName: string;
	expiration: Date;
}

export interface Account {
	accountId: string;
	sandbox: boolean;
	/** Null: SES's default for the sandbox flag (AWS's sandbox 1/s and 200/day, production 14 and 50,000). */
	maxSendRate: number | null;
	max24HourSend: number | null;
	denied: Set<string>;
	createdAt: Date;
}

/** One account's SES in one region: its identities and its verified email addresses. */
export interface RegionState {
	identities: IdentityStore;
	addresses: Set<string>;
}

/** Thrown for a control that cannot be carried out; `status` is the HTTP status to answer. */
export class AwsControlError extends Error {
	readonly status: 400 | 404 | 409 | 415;

	constructor(status: 400 | 404 | 409 | 415, message: string) {
		super(message);
		this.name = "AwsControlError";
		this.status = status;
	}
}

export const SANDBOX_QUOTA = { maxSendRate: 1, max24HourSend: 200 };
export const PRODUCTION_QUOTA = { maxSendRate: 14, max24HourSend: 50_000 };

/** An AWS region name: `eu-west-1`, `us-gov-west-1`, `ap-southeast-2`… */
export function isRegionName(region: string): boolean {
	return /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region);
}

export function roleArnOf(role: Pick<Role, "accountId" | "name">): string {
	return `arn:aws:iam::${role.accountId}:role/${role.name}`;
}

export function quotaOf(account: Account | undefined): {
	maxSendRate: number;
	max24HourSend: number;
} {
	if (account === undefined) return PRODUCTION_QUOTA;
	const defaults = account.sandbox ? SANDBOX_QUOTA : PRODUCTION_QUOTA;
	return {
		maxSendRate: account.maxSendRate ?? defaults.maxSendRate,
		max24HourSend: account.max24HourSend ?? defaults.max24HourSend,
	};
}

/** The accounts' state; the SimulatorAws API (aws.ts) and aws-auth.ts work on it. */
export interface AwsRegistry {
	accounts: Map<string, Account>;
	keys: Map<string, AccessKey>;
	/** By role ARN; a deleted role is removed. */
	roles: Map<string, Role>;
	sessions: Map<string, Session>;
	regions: Map<string, RegionState>;
	/** The platform's identities and region (the simulator's original store). */
	platform: { identities: IdentityStore; region: string };
	/** The store for (account, region), created on first use; the platform's for the platform. */
	regionState(accountId: string, region: string): RegionState;
}

export function createAwsRegistry(platform: {
	identities: IdentityStore;
	region: string;
}): AwsRegistry {
	const regions = new Map<string, RegionState>();
	const platformAddresses = new Set<string>();
	return {
		accounts: new Map(),
		keys: new Map(),
		roles: new Map(),
		sessions: new Map(),
		regions,
		platform,
		regionState(accountId, region) {
			if (accountId === PLATFORM_ACCOUNT_ID) {
				return { identities: platform.identities, addresses: platformAddresses };
			}
			const key = `${accountId}/${region}`;
			let state = regions.get(key);
			if (state === undefined) {
				state = { identities: createIdentityStore(), addresses: new Set() };
				regions.set(key, state);
			}
			return state;
		},
	};
}

const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function randomString(alphabet: string, length: number): string {
	const bytes = crypto.getRandomValues(new Uint8Array(length));
	return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** `AKIA…` for long-term keys, `ASIA…` for temporary ones: 20 characters, as AWS's. */
export function newAccessKeyId(prefix: "AKIA" | "ASIA"): string {
	return prefix + randomString(KEY_ALPHABET, 16);
}

/** 40 characters of base64's alphabet, as AWS's secret access keys. */
export function newSecretAccessKey(): string {
	return randomString(SECRET_ALPHABET, 40);
}

/** An opaque session token, long like AWS's. */
export function newSessionToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(192));
	return `FwoGZXIvYXdzE${btoa(String.fromCharCode(...bytes))}`;
}

export function newRoleId(): string {
	return `AROA${randomString(KEY_ALPHABET, 17)}`;
}

export function newAccountId(taken: (id: string) => boolean): string {
	for (;;) {
		const id = String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));
		if (!taken(id)) return id;
	}
}
