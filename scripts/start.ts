/**
 * `npm start`: the whole product on this machine (see scripts/local-stack.ts) and the dashboard
 * in front of it (scripts/dashboard.ts), with the demo account's webhook endpoint pointed at
 * the simulator's receiver; then the dashboard's URL first, the demo API key, a ready-to-paste
 * curl command and the inbox and receiver URLs. Ctrl-C stops everything.
 */
import { DEMO_AWS_ACCOUNT } from "../simulator/app.ts";
import { startDashboard } from "./dashboard.ts";
import { DEMO } from "./demo-account.ts";
import { startLocalStack } from "./local-stack.ts";

const dashboardPort = Number(process.env.DASHBOARD_PORT ?? 8786);
const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
const stack = await startLocalStack({
	port: Number(process.env.PORT ?? 8787),
	simulatorPort: Number(process.env.SIMULATOR_PORT ?? 8788),
	demoWebhook: true,
	// Links in mail (verification, billing returns) and the API's CSRF origin check.
	vars: { DASHBOARD_URL: dashboardUrl },
});
const dashboard = await startDashboard({ apiUrl: stack.apiUrl, port: dashboardPort });
const webhooks = `${stack.simulatorUrl}/webhooks`;
const webhookLine =
	stack.demoWebhook?.kind === "connected"
		? `${webhooks} (endpoint ${stack.demoWebhook.id} of the demo account)`
		: `${webhooks} (no demo endpoint: ${stack.demoWebhook?.why ?? "not set up"})`;

// wrangler dev does not fire Cron Triggers by itself; --test-scheduled lets us do it, on the
// schedule wrangler.toml gives: each minute the due scheduled emails, every five housekeeping.
const fire = (cron: string) =>
	fetch(`${stack.apiUrl}/__scheduled?cron=${encodeURIComponent(cron)}`).catch(() => {});
let minutes = 0;
const cron = setInterval(() => {
	fire("* * * * *");
	if (++minutes % 5 === 0) fire("*/5 * * * *");
}, 60_000);

console.log(`
SendFleet is running locally.

  Dashboard      ${dashboard.url}   (sign up; ${DEMO.staffEmail} signs up as staff)
  API            ${stack.apiUrl}
  OpenAPI        ${stack.apiUrl}/openapi.json
  SES inbox      ${stack.simulatorUrl}/
  Webhooks       ${webhookLine}
  Demo API key   ${stack.apiKey}

Send your first email:

curl -X POST ${stack.apiUrl}/emails \\
  -H 'Authorization: Bearer ${stack.apiKey}' \\
  -H 'Content-Type: application/json' \\
  -d '{"from": "Acme <hello@${DEMO.domain}>", "to": "success@simulator.amazonses.com", "subject": "Hello from SendFleet", "html": "<p>It works!</p>"}'

Then open ${stack.simulatorUrl}/ to see it, or GET ${stack.apiUrl}/emails/<id> with the same key.${
	stack.demoWebhook?.kind === "connected"
		? `\nIts webhook events (email.sent, email.delivered…) arrive at ${webhooks}, signatures checked.`
		: ""
}

BYOC (send through your own AWS account, nothing stored): in the dashboard's AWS connection
page, connect the simulator's demo AWS account ${DEMO_AWS_ACCOUNT.accountId} with access key
${DEMO_AWS_ACCOUNT.accessKeyId} and secret ${DEMO_AWS_ACCOUNT.secretAccessKey} (any region), or
create a role for your external id at ${stack.simulatorUrl}/aws; then Add domain → BYOC.

Press Ctrl-C to stop.
`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.on(signal, async () => {
		if (stopping) return;
		stopping = true;
		clearInterval(cron);
		console.log("\nStopping…");
		// The Worker and the simulator go whatever the dashboard's server does: a wrangler left
		// behind would hold the port for the next start.
		await dashboard.stop().catch(() => {});
		await stack.stop();
		process.exit(0);
	});
}
