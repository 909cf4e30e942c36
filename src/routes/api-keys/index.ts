/** `/api-keys`: create, list and revoke keys. Full-access keys only, as on Resend. */
import { createRouter } from "../../env.ts";
import { requireFullAccess } from "../../middleware/auth.ts";
import { createApiKey } from "./create.ts";
import { deleteApiKeyRoute } from "./delete.ts";
import { listApiKeysRoute } from "./list.ts";

export const apiKeysRouter = createRouter();
apiKeysRouter.use(requireFullAccess);
apiKeysRouter.route("/", createApiKey).route("/", listApiKeysRoute).route("/", deleteApiKeyRoute);
