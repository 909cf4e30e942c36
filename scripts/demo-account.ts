/**
 * The demo account every local stack seeds (approved, Pro, with a verified domain and a key),
 * and SendFleet's own platform account beside it, so `npm start` can send at once.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

export const DEMO = {
	accountId: "00000000-0000-7000-8000-000000000001",
	domainId: "00000000-0000-7000-8000-000000000002",
	apiKeyId: "00000000-0000-7000-8000-000000000003",
	domain: "acme.test",
	/** SendFleet's own account, which sends verification outcomes and suspension notices. */
	platformAccountId: "00000000-0000-7000-8000-0000000000f1",
	platformDomainId: "00000000-0000-7000-8000-0000000000f2",
	platformDomain: "sendfleet.test",
	/** Signing up with this email makes a staff user (STAFF_EMAILS). */
	staffEmail: "staff@sendfleet.test",
};

/** The demo API key lives in a git-ignored file so every restart prints the same key. */
export function demoApiKey(stateDir: string): string {
	const file = `${stateDir}/sendfleet-demo-key`;
	if (existsSync(file)) return readFileSync(file, "utf8").trim();
	mkdirSync(stateDir, { recursive: true });
	const token = `sf_${randomBytes(32).toString("base64url")}`;
	writeFileSync(file, `${token}\n`, { mode: 0o600 });
	return token;
}

/** Idempotent: the demo account (approved, Pro), its verified domain and its key. */
export function seedSql(apiKey: string): string {
	const now = Date.now();
	const hash = createHash("sha256").update(apiKey).digest("hex");
	return `
INSERT INTO accounts (id, name, plan, verification_status, subscription_status, created_at)
  VALUES ('${DEMO.accountId}', 'Demo account', 'pro', 'approved', 'active', ${now})
  ON CONFLICT(id) DO UPDATE SET plan = 'pro', verification_status = 'approved', subscription_status = 'active';
INSERT OR IGNORE INTO domains (id, account_id, name, region, ownership_status, dkim_status,
  spf_status, mail_from_status, dmarc_status, created_at)
  VALUES ('${DEMO.domainId}', '${DEMO.accountId}', '${DEMO.domain}', 'us-east-1', 'verified',
  'verified', 'verified', 'pending', 'verified', ${now});
INSERT INTO accounts (id, name, plan, verification_status, subscription_status, created_at)
  VALUES ('${DEMO.platformAccountId}', 'SendFleet', 'pro', 'approved', 'active', ${now})
  ON CONFLICT(id) DO NOTHING;
INSERT OR IGNORE INTO domains (id, account_id, name, region, ownership_status, dkim_status,
  spf_status, mail_from_status, dmarc_status, created_at)
  VALUES ('${DEMO.platformDomainId}', '${DEMO.platformAccountId}', '${DEMO.platformDomain}', 'us-east-1',
  'verified', 'verified', 'verified', 'verified', 'verified', ${now});
INSERT INTO api_keys (id, account_id, name, token_hash, permission, created_at)
  VALUES ('${DEMO.apiKeyId}', '${DEMO.accountId}', 'Demo key', '${hash}', 'full_access', ${now})
  ON CONFLICT(id) DO UPDATE SET token_hash = excluded.token_hash;
`;
}
