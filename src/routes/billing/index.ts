/** `/billing`: buy a plan (Stripe Checkout) and manage it (Stripe's portal). Full access only. */
import { createRouter } from "../../env.ts";
import { requireFullAccess } from "../../middleware/auth.ts";
import { checkout } from "./checkout.ts";
import { portal } from "./portal.ts";

export const billingRouter = createRouter();
billingRouter.use(requireFullAccess);
billingRouter.route("/", checkout).route("/", portal);
