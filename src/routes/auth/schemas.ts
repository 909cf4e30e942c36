import { z } from "@hono/zod-openapi";
import { parseAddress } from "../../domain/addresses.ts";

export const EmailField = z
	.string({ error: "is required" })
	.max(254)
	.transform((value, ctx) => {
		const parsed = parseAddress(value.trim());
		if (!parsed) {
			ctx.addIssue({ code: "custom", message: "is not a valid email address" });
			return z.NEVER;
		}
		return parsed.address.toLowerCase();
	})
	.openapi({ type: "string", example: "you@acme.com" });

export const Credentials = z.strictObject({
	email: EmailField,
	password: z.string({ error: "is required" }).max(256, "must be at most 256 characters long"),
});

export const SessionSchema = z
	.object({
		user: z.object({ id: z.string(), email: z.string(), role: z.enum(["user", "staff"]) }),
		account_id: z.string(),
		csrf_token: z
			.string()
			.openapi({ description: "Send it as x-csrf-token on every write made with the cookie" }),
		expires_at: z.string(),
	})
	.openapi("Session");
