/**
 * `npm run staff -- grant|revoke <email> [--remote]`: records an explicit staff decision about a
 * user in D1 through `wrangler d1 execute` (wrangler's local state by default, the deployed
 * database with --remote).
 *
 * How it combines with STAFF_EMAILS is decided on every request (src/domain/sessions.ts
 * `isStaff`): staff = email verified AND (listed OR granted) AND NOT revoked. So `revoke` stops
 * even a listed address at its next request, without a deploy; `grant` makes staff of someone
 * not listed, once their email is verified. Running the other command replaces the decision.
 */
import { spawnSync } from "node:child_process";

const USAGE = "usage: npm run staff -- grant|revoke <email> [--remote]";

interface D1Result {
	results: { email: string; staff_grant: string; email_verified: number }[];
}

function main(args: string[]): number {
	const remote = args.includes("--remote");
	const [action, address, ...extra] = args.filter((a) => a !== "--remote");
	if ((action !== "grant" && action !== "revoke") || !address || extra.length > 0) {
		console.error(USAGE);
		return 2;
	}
	// Emails are stored lower-cased. The address goes into the SQL text (`--command` takes no
	// parameters), so it is checked to look like one and its quotes are doubled.
	const email = address.trim().toLowerCase();
	if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
		console.error(`"${address}" is not an email address.\n${USAGE}`);
		return 2;
	}
	const grant = action === "grant" ? "granted" : "revoked";
	const sql = `UPDATE users SET staff_grant = '${grant}' WHERE email = '${email.replaceAll("'", "''")}' RETURNING email, staff_grant, email_verified_at IS NOT NULL AS email_verified;`;
	const where = remote ? "--remote" : "--local";
	const run = spawnSync("wrangler", ["d1", "execute", "DB", where, "--json", "--command", sql], {
		encoding: "utf8",
		stdio: ["inherit", "pipe", "inherit"],
	});
	if (run.status !== 0) {
		console.error(`wrangler d1 execute failed (${where}).\n${run.stdout ?? ""}`);
		return 1;
	}
	const [result] = JSON.parse(run.stdout) as D1Result[];
	const [user] = result?.results ?? [];
	if (!user) {
		console.error(`No user signs in as ${email} (${where}); they must sign up first.`);
		return 1;
	}
	const pending = user.email_verified ? "" : ", effective once they verify their email address";
	console.log(`${user.email}: staff ${user.staff_grant} (${where})${pending}.`);
	return 0;
}

process.exitCode = main(process.argv.slice(2));
