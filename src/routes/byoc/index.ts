/** `/byoc/connection`: the AWS account BYOC domains send through. Full-access keys and sessions only. */
import { createRouter } from "../../env.ts";
import { requireFullAccess } from "../../middleware/auth.ts";
import { deleteConnection } from "./delete.ts";
import { getConnection } from "./get.ts";
import { saveConnection } from "./save.ts";
import { testConnection } from "./test.ts";

export const byocRouter = createRouter();
byocRouter.use(requireFullAccess);
byocRouter
	.route("/", getConnection)
	.route("/", saveConnection)
	.route("/", testConnection)
	.route("/", deleteConnection);
