/** `/domains`: add, list, show, delete and verify sending domains. Full-access keys only. */
import { createRouter } from "../../env.ts";
import { requireFullAccess } from "../../middleware/auth.ts";
import { createDomain } from "./create.ts";
import { deleteDomainRoute } from "./delete.ts";
import { getDomain } from "./get.ts";
import { listDomainsRoute } from "./list.ts";
import { verifyDomain } from "./verify.ts";

export const domainsRouter = createRouter();
domainsRouter.use(requireFullAccess);
domainsRouter
	.route("/", createDomain)
	.route("/", listDomainsRoute)
	.route("/", getDomain)
	.route("/", deleteDomainRoute)
	.route("/", verifyDomain);
