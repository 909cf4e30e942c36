/**
 * The benchmark accounts phases A and B send as, round-robin: approved, Pro, each with a
 * verified domain and an API key (hashed with SHA-256 as scripts/local-stack.ts does for the
 * demo key), seeded into a fresh local D1 state before wrangler dev starts. Many accounts, not
 * the one demo account, because each account's request rate is limited by its own Durable
 * Object, and real traffic from many customers spreads over many accounts too.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { config, WARM_UP_SINGLES } from "./options.ts";
import { wranglerLocal } from "./stack.ts";

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
export const accounts: BenchAccount[] = Array.from({ length: config.accounts }, (_, i) => {
	const n = i + 1;
	const apiKey = `sf_${randomBytes(32).toString("base64url")}`;
	return {
		accountId: benchId(0xb1, n),
		domainId: benchId(0xb2, n),
		apiKeyId: benchId(0xb3, n),
		domain: `bench-${String(n).padStart(3, "0")}.test`,
		apiKey,
		tokenHash: createHash("sha256").update(apiKey).digest("hex"),
	};
});

/** Request i of a load goes to account i mod N. */
export const accountFor = (i: number): BenchAccount =>
	accounts[i % accounts.length] as BenchAccount;

/** Send requests one account gets in a load of `count` requests (round-robin). */
const perAccount = (count: number) => Math.ceil(count / accounts.length);
export const warmUpSingles = Math.max(WARM_UP_SINGLES, accounts.length);
/** The most send requests one account gets while a stack runs, phase A's and phase B's. */
export const mostPerAccount = {
	a: perAccount(warmUpSingles) + perAccount(config.singles) + perAccount(config.batches),
	b: perAccount(config.metricsSingles) + perAccount(config.metricsBatches),
};

/** Approved Pro accounts in good standing, each with a verified domain and a key, as the demo's. */
function benchAccountsSql(now: number): string {
	const rows = (make: (a: BenchAccount, n: number) => string) =>
		accounts.map((a, i) => `  ${make(a, i + 1)}`).join(",\n");
	return `INSERT INTO accounts (id, name, plan, verification_status, subscription_status, created_at) VALUES
${rows((a, n) => `('${a.accountId}', 'Benchmark account ${n}', 'pro', 'approved', 'active', ${now})`)};
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
