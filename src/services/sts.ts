/**
 * AWS STS `AssumeRole`, signed with SigV4 by aws4fetch as SendFleet's own AWS principal: how
 * a BYOC customer's IAM role lends us temporary credentials for their SES. Only this one call;
 * the answer is classified like SES's (`ok`, `retry` for throttling, 5xx and the network,
 * `fail` when STS refused, e.g. `AccessDenied` for a wrong external id or trust policy).
 */
import { AwsClient } from "aws4fetch";
import { xmlText } from "../lib/xml.ts";
import type { SesOutcome } from "./ses.ts";

export interface StsConfig {
	/** Base URL; empty means the global endpoint https://sts.amazonaws.com. */
	endpoint: string;
	accessKeyId: string;
	secretAccessKey: string;
}

export interface TemporaryCredentials {
	accessKeyId: string;
	secretAccessKey: string;
	sessionToken: string;
	/** Milliseconds since the epoch. */
	expiresAt: number;
}

export interface AssumeRoleRequest {
	roleArn: string;
	externalId: string;
	/** Shows in the customer's CloudTrail as who assumed the role. */
	sessionName: string;
	/** 900 to the role's maximum (an hour by default). */
	durationSeconds: number;
}

export type StsClient = ReturnType<typeof createStsClient>;

export function createStsClient(config: StsConfig) {
	const aws = new AwsClient({
		accessKeyId: config.accessKeyId,
		secretAccessKey: config.secretAccessKey,
		service: "sts",
		// The global endpoint signs in us-east-1.
		region: "us-east-1",
		retries: 0,
	});
	const url = `${(config.endpoint || "https://sts.amazonaws.com").replace(/\/$/, "")}/`;

	return {
		async assumeRole(request: AssumeRoleRequest): Promise<SesOutcome<TemporaryCredentials>> {
			let response: Response;
			try {
				response = await aws.fetch(url, {
					method: "POST",
					headers: { "content-type": "application/x-www-form-urlencoded" },
					body: new URLSearchParams({
						Action: "AssumeRole",
						Version: "2011-06-15",
						RoleArn: request.roleArn,
						RoleSessionName: request.sessionName,
						ExternalId: request.externalId,
						DurationSeconds: String(request.durationSeconds),
					}).toString(),
				});
			} catch (cause) {
				return { kind: "retry", code: "NetworkError", message: String(cause) };
			}
			const xml = await response.text();
			if (!response.ok) {
				const code = xmlText(xml, "Code") ?? `HTTP${response.status}`;
				const message = xmlText(xml, "Message") ?? response.statusText;
				const retry = response.status === 429 || response.status >= 500 || code === "Throttling";
				return { kind: retry ? "retry" : "fail", code, message };
			}
			const accessKeyId = xmlText(xml, "AccessKeyId");
			const secretAccessKey = xmlText(xml, "SecretAccessKey");
			const sessionToken = xmlText(xml, "SessionToken");
			const expiresAt = Date.parse(xmlText(xml, "Expiration") ?? "");
			if (!accessKeyId || !secretAccessKey || !sessionToken || Number.isNaN(expiresAt)) {
				return {
					kind: "retry",
					code: "MalformedResponse",
					message: "no Credentials in the answer",
				};
			}
			return { kind: "ok", value: { accessKeyId, secretAccessKey, sessionToken, expiresAt } };
		},
	};
}
