/** `/emails`: sending is open to every key; reading the log needs a full-access key. */
import { bodyLimit } from "hono/body-limit";
import { createRouter } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { requireFullAccess } from "../../middleware/auth.ts";
import { idempotency } from "../../middleware/idempotency.ts";
import { getEmail } from "./get.ts";
import { listEmailsRoute } from "./list.ts";
import { MAX_REQUEST_BYTES } from "./schemas.ts";
import { sendEmail } from "./send.ts";
import { sendEmailBatch } from "./send-batch.ts";

const limitBody = bodyLimit({
	maxSize: MAX_REQUEST_BYTES,
	onError: () => {
		throw new ApiError(
			"payload_too_large",
			`The request body is larger than ${MAX_REQUEST_BYTES} bytes. Send fewer emails per batch.`,
		);
	},
});

export const emailsRouter = createRouter();
emailsRouter.post("/*", limitBody);
emailsRouter.post("/", idempotency("POST /emails"));
emailsRouter.post("/batch", idempotency("POST /emails/batch"));
emailsRouter.get("/*", requireFullAccess);
emailsRouter
	.route("/", sendEmail)
	.route("/", sendEmailBatch)
	.route("/", getEmail)
	.route("/", listEmailsRoute);
