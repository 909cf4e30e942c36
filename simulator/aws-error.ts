// The simulator's one error shape: AWS restJson1, as SES v2 answers. The error code travels in
// the `x-amzn-ErrorType` header (SDKs read it from there first and strip anything after a ':'),
// the body is `{"message": "..."}` and the HTTP status carries the class of failure.

/** A failure to answer with AWS's restJson1 error shape; thrown by routes, written by onError. */
export class AwsError extends Error {
	readonly code: string;
	readonly status: number;

	constructor(code: string, status: number, message: string) {
		super(message);
		this.name = "AwsError";
		this.code = code;
		this.status = status;
	}
}

/** Statuses SES (v2, the v1 Query API, and the AWS front end) uses for the codes we can fake. */
export const DEFAULT_STATUS: Readonly<Record<string, number>> = {
	AccountSuspendedException: 400,
	AlreadyExistsException: 400,
	BadRequestException: 400,
	ConcurrentModificationException: 500,
	LimitExceededException: 400,
	MailFromDomainNotVerifiedException: 400,
	MessageRejected: 400,
	SendingPausedException: 400,
	Throttling: 400,
	NotFoundException: 404,
	TooManyRequestsException: 429,
	InternalFailure: 500,
	InternalServiceErrorException: 500,
	ServiceUnavailable: 503,
};

/** Messages modelled on the SES v2 API reference's descriptions of each error. */
export const DEFAULT_MESSAGE: Readonly<Record<string, string>> = {
	AccountSuspendedException:
		"The message can't be sent because the account's ability to send email has been permanently restricted.",
	AlreadyExistsException: "The resource specified in your request already exists.",
	BadRequestException: "The input you provided is invalid.",
	ConcurrentModificationException: "The resource is being modified by another operation or thread.",
	LimitExceededException: "There are too many instances of the specified resource type.",
	MailFromDomainNotVerifiedException:
		"The message can't be sent because the sending domain isn't verified.",
	MessageRejected: "The message can't be sent because it contains invalid content.",
	SendingPausedException:
		"The message can't be sent because the account's ability to send email is currently paused.",
	NotFoundException: "The resource you attempted to access doesn't exist.",
	TooManyRequestsException: "Maximum sending rate exceeded.",
	// The SES v1 Query API's throttling code.
	Throttling: "Rate exceeded",
	InternalFailure:
		"The request processing has failed because of an unknown error, exception or failure.",
	InternalServiceErrorException: "The request couldn't be processed because of an internal error.",
	ServiceUnavailable: "The request has failed due to a temporary failure of the server.",
};

/** Builds the restJson1 error response for `code`. */
export function awsErrorResponse(code: string, status: number, message: string): Response {
	return new Response(JSON.stringify({ message }), {
		status,
		headers: {
			"content-type": "application/json",
			"x-amzn-ErrorType": code,
			"x-amzn-RequestId": crypto.randomUUID(),
		},
	});
}
