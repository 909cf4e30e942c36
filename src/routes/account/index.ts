/** `/account`: the caller's own account and its verification request. Full access only. */
import { createRouter } from "../../env.ts";
import { requireFullAccess } from "../../middleware/auth.ts";
import { getAccount } from "./get.ts";
import { getMetrics } from "./metrics.ts";
import { getReputation } from "./reputation.ts";
import { verificationRequestRoutes } from "./verification-request.ts";

export const accountRouter = createRouter();
accountRouter.use(requireFullAccess);
accountRouter
	.route("/", getAccount)
	.route("/", getReputation)
	.route("/", getMetrics)
	.route("/", verificationRequestRoutes);
