// The AWS Query protocol's answers, shared by the SES v1 Query API (routes/query-api.ts) and STS
// (routes/sts.ts): `<ActionResponse>` documents, `<ErrorResponse>` documents, and the Query
// names of the failures sigv4.ts and aws-auth.ts report in restJson1 terms.

import { AwsError } from "./aws-error.ts";

// The Query protocol's names for the restJson1 codes thrown elsewhere.
const QUERY_CODES: Readonly<Record<string, { code: string; message?: string }>> = {
	MissingAuthenticationTokenException: {
		code: "MissingAuthenticationToken",
		message: "Request is missing Authentication Token",
	},
	IncompleteSignatureException: { code: "IncompleteSignature" },
	InvalidSignatureException: { code: "SignatureDoesNotMatch" },
	UnrecognizedClientException: { code: "InvalidClientTokenId" },
	ExpiredTokenException: { code: "ExpiredToken" },
	AccessDeniedException: { code: "AccessDenied" },
};

/** The error document for `error`, its code translated to the Query protocol's name. */
export function queryErrorResponse(error: AwsError, namespace: string): Response {
	const mapped = QUERY_CODES[error.code];
	return xmlError(
		mapped?.code ?? error.code,
		error.status,
		mapped?.message ?? error.message,
		namespace,
	);
}

export function xmlOk(action: string, result: string, namespace: string): Response {
	const requestId = crypto.randomUUID();
	return xmlResponse(
		200,
		requestId,
		`<${action}Response xmlns="${namespace}">
  <${action}Result>
    ${result}
  </${action}Result>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</${action}Response>
`,
	);
}

/** The Query protocol's error document; Type says whose fault it is (4xx Sender, 5xx Receiver). */
export function xmlError(
	code: string,
	status: number,
	message: string,
	namespace: string,
): Response {
	const requestId = crypto.randomUUID();
	return xmlResponse(
		status,
		requestId,
		`<ErrorResponse xmlns="${namespace}">
  <Error>
    <Type>${status >= 500 ? "Receiver" : "Sender"}</Type>
    <Code>${escapeXml(code)}</Code>
    <Message>${escapeXml(message)}</Message>
  </Error>
  <RequestId>${requestId}</RequestId>
</ErrorResponse>
`,
	);
}

function xmlResponse(status: number, requestId: string, body: string): Response {
	return new Response(body, {
		status,
		headers: { "content-type": "text/xml", "x-amzn-RequestId": requestId },
	});
}

/** Escapes text content (every value here is element text, never an attribute). */
export function escapeXml(value: string): string {
	return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A form-encoded Query body's parameters; anything else is answered as a missing Action. */
export function parseQueryParams(
	contentType: string | undefined,
	body: ArrayBuffer,
): URLSearchParams {
	const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
	if (mediaType !== "application/x-www-form-urlencoded") {
		throw new AwsError(
			"MissingAction",
			400,
			"Missing Action: the Query API takes a body of type application/x-www-form-urlencoded.",
		);
	}
	return new URLSearchParams(new TextDecoder().decode(body));
}
