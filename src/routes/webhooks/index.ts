/** `/webhooks`: endpoints, signing secrets, events and attempts. Full-access keys only, as on Resend. */
import { createRouter } from "../../env.ts";
import { requireFullAccess } from "../../middleware/auth.ts";
import { listWebhookAttemptsRoute } from "./attempts-list.ts";
import { createWebhook } from "./create.ts";
import { deleteWebhookRoute } from "./delete.ts";
import { getWebhookEventRoute } from "./events-get.ts";
import { listWebhookEventsRoute } from "./events-list.ts";
import { replayWebhookEventRoute } from "./events-replay.ts";
import { getWebhook } from "./get.ts";
import { listWebhooksRoute } from "./list.ts";
import { rotateWebhookSecret } from "./rotate.ts";
import { testWebhook } from "./test.ts";
import { updateWebhook } from "./update.ts";

export const webhooksRouter = createRouter();
webhooksRouter.use(requireFullAccess);
webhooksRouter
	.route("/", createWebhook)
	.route("/", listWebhooksRoute)
	.route("/", getWebhook)
	.route("/", updateWebhook)
	.route("/", deleteWebhookRoute)
	.route("/", rotateWebhookSecret)
	.route("/", listWebhookEventsRoute)
	.route("/", getWebhookEventRoute)
	.route("/", replayWebhookEventRoute)
	.route("/", listWebhookAttemptsRoute)
	.route("/", testWebhook);
