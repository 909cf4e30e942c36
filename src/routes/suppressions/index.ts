/** `/suppressions`: the account's suppression list, Resend's API. Full-access keys only. */
import { createRouter } from "../../env.ts";
import { requireFullAccess } from "../../middleware/auth.ts";
import { addSuppressions } from "./add.ts";
import { readSuppressions } from "./read.ts";
import { removeSuppressions } from "./remove.ts";

export const suppressionsRouter = createRouter();
suppressionsRouter.use(requireFullAccess);
suppressionsRouter
	.route("/", addSuppressions)
	.route("/", removeSuppressions)
	.route("/", readSuppressions);
