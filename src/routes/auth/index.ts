/**
 * `/auth`: dashboard sign-up, login, logout, the current session and email verification. These
 * routes take no API key; the rest of the API accepts the session cookie they set
 * (src/middleware/auth.ts).
 */
import { createRouter } from "../../env.ts";
import { loginRoute } from "./login.ts";
import { sessionRoutes } from "./session.ts";
import { signupRoute } from "./signup.ts";
import { verifyEmailRoutes } from "./verify-email.ts";

export const authRouter = createRouter();
authRouter
	.route("/", signupRoute)
	.route("/", loginRoute)
	.route("/", sessionRoutes)
	.route("/", verifyEmailRoutes);
