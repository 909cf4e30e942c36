// Test support for the simulator's AWS accounts: a simulator on a movable clock with the
// platform's key (as the Worker's tests configure it), and clients signing SES v2, SES v1 Query
// and STS requests with any key pair, as the Worker's aws4fetch client does.

import { AwsClient } from "aws4fetch";
import { amzDate, CREDENTIALS, ENDPOINT, newSimulator, testClock } from "./support.ts";

export interface Keys {
	accessKeyId: string;
	secretAccessKey: string;
	sessionToken?: string;
}

export const PLATFORM: Keys = CREDENTIALS;

export function awsHarness() {
	const clock = testClock();
	const sim = newSimulator({ now: clock.now });
	const signer = (keys: Keys, service: string, region: string) =>
		new AwsClient({ ...keys, service, region });
	const at = () => ({ datetime: amzDate(clock.now()) });

	return {
		sim,
		clock,
		/** A signed SES v2 call from `keys` in `region`; `body` is sent as JSON. */
		async ses(
			keys: Keys,
			region: string,
			method: string,
			path: string,
			body?: unknown,
		): Promise<Response> {
			const request = await signer(keys, "ses", region).sign(`${ENDPOINT}${path}`, {
				method,
				headers: { "content-type": "application/json" },
				body: body === undefined ? undefined : JSON.stringify(body),
				aws: at(),
			});
			return sim.fetch(request);
		},
		/** A signed SES v1 Query API call. */
		async query(keys: Keys, region: string, params: Record<string, string>): Promise<Response> {
			return sim.fetch(await signedForm(signer(keys, "ses", region), `${ENDPOINT}/`, params, at()));
		},
		/** A signed STS call (us-east-1), to `/sts` by default. */
		async sts(keys: Keys, params: Record<string, string>, path = "/sts"): Promise<Response> {
			return sim.fetch(
				await signedForm(signer(keys, "sts", "us-east-1"), `${ENDPOINT}${path}`, params, at()),
			);
		},
		/** AssumeRole from `keys` (default the platform's); answers the response and its credentials. */
		async assumeRole(
			roleArn: string,
			externalId: string | null,
			keys: Keys = PLATFORM,
			extra: Record<string, string> = {},
		): Promise<{ response: Response; body: string; credentials: Keys | null }> {
			const response = await this.sts(keys, {
				Action: "AssumeRole",
				Version: "2011-06-15",
				RoleArn: roleArn,
				RoleSessionName: "sendfleet",
				...(externalId === null ? {} : { ExternalId: externalId }),
				...extra,
			});
			const body = await response.text();
			const credentials =
				response.status === 200
					? {
							accessKeyId: text(body, "AccessKeyId") ?? "",
							secretAccessKey: text(body, "SecretAccessKey") ?? "",
							sessionToken: text(body, "SessionToken") ?? "",
						}
					: null;
			return { response, body, credentials };
		},
	};
}

function signedForm(
	signer: AwsClient,
	url: string,
	params: Record<string, string>,
	aws: { datetime: string },
): Promise<Request> {
	return signer.sign(url, {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
		body: new URLSearchParams(params).toString(),
		aws,
	});
}

/** The XML's text for `tag` (first occurrence), or null. */
export function text(xml: string, tag: string): string | null {
	return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1] ?? null;
}

/** A SendEmail body from `from` to `to`. */
export function email(from: string, ...to: string[]): Record<string, unknown> {
	return {
		FromEmailAddress: from,
		Destination: { ToAddresses: to },
		Content: { Simple: { Subject: { Data: "Hello" }, Body: { Text: { Data: "Hi" } } } },
	};
}
