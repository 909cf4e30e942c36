import { z } from "@hono/zod-openapi";
import { USER_ROLES } from "../../db/schema.ts";
import { roleOf, type TrustedUser } from "../../domain/sessions.ts";
import { parseAddress } from "../../lib/addresses.ts";

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

export const UserSchema = z
	.object({
		id: z.string(),
		email: z.string(),
		role: z.enum(USER_ROLES).openapi({
			description:
				"Derived on every request: staff needs a verified email and STAFF_EMAILS or an explicit grant",
		}),
		email_verified: z
			.boolean()
			.openapi({ description: "Whether the link mailed at sign-up was followed" }),
	})
	.openapi("User");

/** The user as the API shows them, their role derived from the current configuration. */
export const presentUser = (
	user: TrustedUser,
	staffEmails: string,
): z.infer<typeof UserSchema> => ({
	id: user.id,
	email: user.email,
	role: roleOf(user, staffEmails),
	email_verified: user.emailVerifiedAt !== null,
});

export const SessionSchema = z
	.object({
		user: UserSchema,
		account_id: z.string(),
		csrf_token: z
			.string()
			.openapi({ description: "Send it as x-csrf-token on every write made with the cookie" }),
		expires_at: z.string(),
	})
	.openapi("Session");
