// The AWS account controls over HTTP (JSON), for demos and for tests that drive the simulator
// from outside the process; the same functions as `SesSimulator.aws`:
//   POST   /_simulator/aws/accounts                {account_id?, sandbox?, max_send_rate?, max_24_hour_send?}
//   GET    /_simulator/aws/accounts, /_simulator/aws/accounts/:id
//   POST   /_simulator/aws/accounts/:id/keys       → {access_key_id, secret_access_key}
//   POST   /_simulator/aws/accounts/:id/roles      {name, external_id, trusted_account_id?}
//   POST   /_simulator/aws/accounts/:id/sandbox    {sandbox}
//   POST   /_simulator/aws/accounts/:id/denied     {action, denied}
//   POST   /_simulator/aws/accounts/:id/addresses  {region, address}
//   DELETE /_simulator/aws/roles?arn=…   DELETE /_simulator/aws/keys/:access_key_id
//   GET    /_simulator/aws/assume-role-calls
// Writes require a JSON body, as the other controls do: a cross-site HTML form cannot send one
// without a CORS preflight, which the simulator never grants. An AwsControlError thrown here
// becomes `{"error"}` with its status in app.ts's onError.

import { type Context, Hono } from "hono";
import type { SimulatorAws } from "../aws.ts";
import { AwsControlError } from "../aws-accounts.ts";
import { readJsonObject } from "./json-body.ts";

export function createAwsControlRoutes(aws: SimulatorAws): Hono {
	const routes = new Hono();

	routes.get("/_simulator/aws/accounts", (c) => c.json({ accounts: aws.accounts() }, 200));

	routes.get("/_simulator/aws/accounts/:id", (c) => {
		const account = aws.account(c.req.param("id"));
		if (account === undefined) return c.json({ error: "account not found" }, 404);
		return c.json(account, 200);
	});

	routes.post("/_simulator/aws/accounts", async (c) => {
		const body = await jsonBody(c);
		const created = aws.createAccount({
			accountId: optional(body, "account_id", "string"),
			sandbox: optional(body, "sandbox", "boolean"),
			maxSendRate: optional(body, "max_send_rate", "number"),
			max24HourSend: optional(body, "max_24_hour_send", "number"),
		});
		return c.json(
			{
				account_id: created.accountId,
				access_key_id: created.accessKeyId,
				secret_access_key: created.secretAccessKey,
			},
			201,
		);
	});

	routes.post("/_simulator/aws/accounts/:id/keys", async (c) => {
		await jsonBody(c);
		const key = aws.createAccessKey(c.req.param("id"));
		return c.json({ access_key_id: key.accessKeyId, secret_access_key: key.secretAccessKey }, 201);
	});

	routes.post("/_simulator/aws/accounts/:id/roles", async (c) => {
		const body = await jsonBody(c);
		const { roleArn } = aws.createRole(c.req.param("id"), {
			name: required(body, "name", "string"),
			externalId: required(body, "external_id", "string"),
			trustedAccountId: optional(body, "trusted_account_id", "string"),
		});
		return c.json({ role_arn: roleArn }, 201);
	});

	routes.post("/_simulator/aws/accounts/:id/sandbox", async (c) => {
		const body = await jsonBody(c);
		aws.setSandbox(c.req.param("id"), required(body, "sandbox", "boolean"));
		return c.json(aws.account(c.req.param("id")), 200);
	});

	routes.post("/_simulator/aws/accounts/:id/denied", async (c) => {
		const body = await jsonBody(c);
		aws.setDenied(
			c.req.param("id"),
			required(body, "action", "string"),
			required(body, "denied", "boolean"),
		);
		return c.json(aws.account(c.req.param("id")), 200);
	});

	routes.post("/_simulator/aws/accounts/:id/addresses", async (c) => {
		const body = await jsonBody(c);
		aws.verifyAddress(
			c.req.param("id"),
			required(body, "region", "string"),
			required(body, "address", "string"),
		);
		return c.json(aws.account(c.req.param("id")), 200);
	});

	routes.delete("/_simulator/aws/roles", (c) => {
		const arn = c.req.query("arn");
		if (arn === undefined || arn === "") throw new AwsControlError(400, "arn is required.");
		aws.deleteRole(arn);
		return c.json({ deleted: arn }, 200);
	});

	routes.delete("/_simulator/aws/keys/:accessKeyId", (c) => {
		aws.revokeAccessKey(c.req.param("accessKeyId"));
		return c.json({ revoked: c.req.param("accessKeyId") }, 200);
	});

	routes.get("/_simulator/aws/assume-role-calls", (c) =>
		c.json({ calls: aws.assumeRoleCalls }, 200),
	);

	return routes;
}

type Kind = "string" | "boolean" | "number";
type Value<K extends Kind> = K extends "string" ? string : K extends "boolean" ? boolean : number;

function optional<K extends Kind>(
	body: Record<string, unknown>,
	name: string,
	kind: K,
): Value<K> | undefined {
	const value = body[name];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== kind) throw new AwsControlError(400, `${name} must be a ${kind}.`);
	return value as Value<K>;
}

function required<K extends Kind>(body: Record<string, unknown>, name: string, kind: K): Value<K> {
	const value = optional(body, name, kind);
	if (value === undefined) throw new AwsControlError(400, `${name} is required.`);
	return value;
}

/** The JSON object body (json-body.ts); a refusal is thrown as the control's error. */
async function jsonBody(c: Context): Promise<Record<string, unknown>> {
	const read = await readJsonObject(c);
	if ("error" in read) throw new AwsControlError(read.status, read.error);
	return read.body;
}
