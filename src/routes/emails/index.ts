/** `/emails`: sending is open to every key; reading the log needs a full-access key. */
import { bodyLimit } from "hono/body-limit";
import { createRouter } from "../../env.ts";
import { ApiError } from "../../lib/errors.ts";
import { requireFullAccess } from "../../middleware/auth.ts";
import { idempotency } from "../../middleware/idempotency.ts";
import { getAttachmentRoute, listAttachmentsRoute } from "./attachments.ts";
import { getEmail } from "./get.ts";
import { listEmailsRoute } from "./list.ts";
import { cancelEmailRoute, updateEmailRoute } from "./schedule.ts";
import { MAX_REQUEST_BYTES } from "./schemas.ts";
import { sendEmail } from "./send.ts";
import { sendEmailBatch } from "./send-batch.ts";

const limitBody = bodyLimit({
	maxSize: MAX_REQUEST_BYTES,
	onError: () => {
		throw new ApiError(
			"payload_too_large",
			`The request body is larger than ${MAX_REQUEST_BYTES} bytes (45 MiB). Send fewer emails or smaller attachments per request.`,
		);
	},
});

export const emailsRouter = createRouter();
emailsRouter.post("/*", limitBody);
emailsRouter.post("/", idempotency("POST /emails"));
emailsRouter.post("/batch", idempotency("POST /emails/batch"));
emailsRouter.get("/*", requireFullAccess);
// Rescheduling and canceling act on any of the account's emails, as reading them does.
emailsRouter.patch("/*", requireFullAccess);
emailsRouter.post("/:id/cancel", requireFullAccess);
emailsRouter
	.route("/", sendEmail)
	.route("/", sendEmailBatch)
	.route("/", getEmail)
	.route("/", listAttachmentsRoute)
	.route("/", getAttachmentRoute)
	.route("/", updateEmailRoute)
	.route("/", cancelEmailRoute)
	.route("/", listEmailsRoute);
