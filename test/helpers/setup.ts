import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { installSimulator } from "./simulator.ts";

await applyD1Migrations(
	env.DB,
	(env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS,
);

// Emails accepted through the API also reach the real local queue, whose consumer runs in this
// isolate: give it an SES to talk to. Tests that inspect SES install their own on top.
installSimulator();
