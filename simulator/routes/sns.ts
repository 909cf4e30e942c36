// The SNS URLs the simulator's messages point at: the signing certificate (`SigningCertURL`), the
// SubscribeURL that confirms the subscription and the UnsubscribeURL, answered with SNS's XML;
// plus `GET /_simulator/sns` (JSON: topic, subscription, queued and sent notifications).

import { Hono } from "hono";
import type { SnsPublisher } from "../sns/types.ts";

const SNS_XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";

export function createSnsRoutes(sns: SnsPublisher): Hono {
	const routes = new Hono();

	routes.get("/sns/:file", async (c, next) => {
		if (c.req.path !== new URL(sns.certUrl).pathname) return next();
		return new Response(await sns.certificatePem(), {
			status: 200,
			headers: { "content-type": "application/x-pem-file", "cache-control": "no-store" },
		});
	});

	routes.get("/sns/confirm-subscription", (c) => {
		const arn = sns.confirmSubscription(c.req.query("Token") ?? "");
		if (arn === null) return snsError("InvalidParameter", "Invalid parameter: Token");
		return xml(
			`<ConfirmSubscriptionResponse xmlns="${SNS_XMLNS}">
  <ConfirmSubscriptionResult>
    <SubscriptionArn>${escapeXml(arn)}</SubscriptionArn>
  </ConfirmSubscriptionResult>
  <ResponseMetadata>
    <RequestId>${crypto.randomUUID()}</RequestId>
  </ResponseMetadata>
</ConfirmSubscriptionResponse>
`,
			200,
		);
	});

	routes.get("/sns/unsubscribe", (c) => {
		if (!sns.unsubscribe(c.req.query("SubscriptionArn") ?? "")) {
			return snsError("NotFound", "Subscription does not exist", 404);
		}
		return xml(
			`<UnsubscribeResponse xmlns="${SNS_XMLNS}">
  <ResponseMetadata>
    <RequestId>${crypto.randomUUID()}</RequestId>
  </ResponseMetadata>
</UnsubscribeResponse>
`,
			200,
		);
	});

	routes.get("/_simulator/sns", (c) =>
		c.json(
			{
				topicArn: sns.topicArn,
				certUrl: sns.certUrl,
				endpoint: sns.endpoint,
				subscription: sns.subscription(),
				pending: sns.pending(),
				sent: sns.sent().map(({ message: _message, ...rest }) => rest),
			},
			200,
		),
	);

	return routes;
}

function xml(body: string, status: number): Response {
	return new Response(body, { status, headers: { "content-type": "text/xml" } });
}

function snsError(code: string, message: string, status = 400): Response {
	return xml(
		`<ErrorResponse xmlns="${SNS_XMLNS}">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${escapeXml(message)}</Message>
  </Error>
  <RequestId>${crypto.randomUUID()}</RequestId>
</ErrorResponse>
`,
		status,
	);
}

function escapeXml(value: string): string {
	return value
		.replaceAll("&", "&amp;")
		.replaceAll("<", "&lt;")
		.replaceAll(">", "&gt;")
		.replaceAll('"', "&quot;")
		.replaceAll("'", "&apos;");
}
