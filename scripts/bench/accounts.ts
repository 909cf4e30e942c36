/**
 * The benchmark accounts phases A and B send as, round-robin: approved, Pro, each with a
 * verified domain and an API key (hashed with SHA-256 as scripts/demo-account.ts does for the
 * demo key), seeded into a fresh local D1 state before wrangler dev starts. Many accounts, not
 * the one demo account, because each account's request rate is limited by its own Durable
 * Object, and real traffic from many customers spreads over many accounts too.
 *
 * A second, separate set (`webhookAccounts`, seeded the same way) is only used by phase B's
 * "one webhook endpoint" measurement, which gives each of them one endpoint first
 * (scripts/bench/webhooks.ts): the other accounts never have one, so their figures are those of
 * an account without endpoints.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { LocalStack } from "../local-stack.ts";
import { config, PRO_LIMITS, WARM_UP_SINGLES } from "./options.ts";
import { startStack, throwIfInterrupted, wranglerLocal } from "./stack.ts";

/** Phases A and B's state folder, new for each stack so runs are comparable. */
export const STATE_DIR = ".wrangler/bench-state";

export interface BenchAccount {
	accountId: string;
	domainId: string;
	apiKeyId: string;
	domain: string;
	apiKey: string;
	tokenHash: string;
}

/** Ids in the shape of DEMO's (UUIDv7-like), `kind` telling accounts, domains and keys apart. */
const benchId = (kind: number, n: number) =>
	`00000000-0000-7000-${(0x8000 + kind).toString(16)}-${n.toString(16).padStart(12, "0")}`;

/** New keys on every run; the same accounts are seeded into each fresh state folder. */
function benchAccounts(count: number, first: number, name: string): BenchAccount[] {
	return Array.from({ length: count }, (_, i) => {
		const n = first + i;
		const apiKey = `sf_${randomBytes(32).toString("base64url")}`;
		return {
			accountId: benchId(0xb1, n),
			domainId: benchId(0xb2, n),
			apiKeyId: benchId(0xb3, n),
			domain: `${name}-${String(i + 1).padStart(3, "0")}.test`,
			apiKey,
			tokenHash: createHash("sha256").update(apiKey).digest("hex"),
		};
	});
}

export const accounts: BenchAccount[] = benchAccounts(config.accounts, 1, "bench");

/**
 * Phase B's accounts with one webhook endpoint each: enough that none gets more than half a
 * burst of send requests (plus the one that creates its endpoint), ids after the others'.
 */
export const webhookAccounts: BenchAccount[] = benchAccounts(
	Math.max(8, Math.ceil(config.metricsSingles / (PRO_LIMITS.requestBurst / 2 - 1))),
	0x10000 + 1,
	"bench-webhook",
);

/** Request i of a load goes to account i mod N (of `pool`, the main accounts by default). */
export const accountFor = (i: number, pool: BenchAccount[] = accounts): BenchAccount =>
	pool[i % pool.length] as BenchAccount;

/** Send requests one account gets in a load of `count` requests (round-robin). */
const perAccount = (count: number) => Math.ceil(count / accounts.length);
export const warmUpSingles = Math.max(WARM_UP_SINGLES, accounts.length);
/** The most send requests one account gets while a stack runs, phase A's and phase B's. */
export const mostPerAccount = {
	a: perAccount(warmUpSingles) + perAccount(config.singles) + perAccount(config.batches),
	b: Math.max(
		perAccount(config.metricsSingles) +
			perAccount(config.metricsBatches) +
			2 * perAccount(config.metricsAttachments),
		// A webhook account's POST /webhooks, then its share of the singles and batches.
		1 +
			Math.ceil(config.metricsSingles / webhookAccounts.length) +
			Math.ceil(config.metricsBatches / webhookAccounts.length),
	),
};

/** Approved Pro accounts in good standing, each with a verified domain and a key, as the demo's. */
export function benchAccountsSql(now: number): string {
	const all = [...accounts, ...webhookAccounts];
	const rows = (make: (a: BenchAccount) => string) => all.map((a) => `  ${make(a)}`).join(",\n");
	return `INSERT INTO accounts (id, name, plan, verification_status, subscription_status, created_at) VALUES
${rows((a) => `('${a.accountId}', 'Benchmark account ${a.domain}', 'pro', 'approved', 'active', ${now})`)};
INSERT INTO domains (id, account_id, name, region, ownership_status, dkim_status, spf_status,
  mail_from_status, dmarc_status, created_at) VALUES
${rows((a) => `('${a.domainId}', '${a.accountId}', '${a.domain}', 'us-east-1', 'verified', 'verified', 'verified', 'pending', 'verified', ${now})`)};
INSERT INTO api_keys (id, account_id, name, token_hash, permission, created_at) VALUES
${rows((a) => `('${a.apiKeyId}', '${a.accountId}', 'Benchmark key', '${a.tokenHash}', 'full_access', ${now})`)};
`;
}

/** A fresh state folder with the schema and the benchmark accounts, before wrangler dev starts. */
export function seedBenchAccounts() {
	rmSync(STATE_DIR, { recursive: true, force: true });
	mkdirSync(STATE_DIR, { recursive: true });
	wranglerLocal(STATE_DIR, ["d1", "migrations", "apply", "DB"]);
	const seedFile = `${STATE_DIR}/bench-accounts.sql`;
	writeFileSync(seedFile, benchAccountsSql(Date.now()));
	wranglerLocal(STATE_DIR, ["d1", "execute", "DB", `--file=${seedFile}`]);
}

/** A stack on a fresh state folder holding the benchmark accounts. */
export function startSeededStack(
	entry?: string,
	vars?: Record<string, string>,
): Promise<LocalStack> {
	throwIfInterrupted();
	seedBenchAccounts();
	return startStack({ persistTo: STATE_DIR, entry, vars });
}
