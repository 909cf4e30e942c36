/** `/staff`: SendFleet staff's review pages. Staff dashboard sessions only. */
import { createRouter } from "../../env.ts";
import { requireStaff } from "../../middleware/auth.ts";
import { accountsReview } from "./accounts.ts";
import { verificationReview } from "./verification-requests.ts";

export const staffRouter = createRouter();
staffRouter.use(requireStaff);
staffRouter.route("/", verificationReview).route("/", accountsReview);
