import { createRoute, z } from "@hono/zod-openapi";
import { describeFigures, headroom, type ReputationFigures } from "../../domain/reputation.ts";
import { guardFor } from "../../durable-objects/index.ts";
import { createRouter } from "../../env.ts";
import { toIsoOrNull } from "../../lib/time.ts";
import { commonErrors } from "../common-schemas.ts";

/** The 7-day figures the account's guard judges it on: the customer's and the staff's view. */
export const ReputationFiguresSchema = z.object({
	window_days: z.number(),
	window_start: z
		.string()
		.nullable()
		.openapi({ description: "Set when a reinstatement restarted the window" }),
	sends: z.number().int().openapi({
		description:
			"Recipients SES accepted in the window (SES's mailbox simulator excluded): what the rates are measured on",
	}),
	hard_bounces: z.number().int(),
	complaints: z.number().int(),
	bounce_rate: z.number(),
	complaint_rate: z.number(),
	thresholds: z.object({
		min_sends: z.number().int(),
		bounce_rate: z.number(),
		complaint_rate: z.number(),
	}),
	headroom: z.object({
		hard_bounces_before_suspension: z.number().int().nullable(),
		complaints_before_suspension: z.number().int().nullable(),
	}),
});

export function presentFigures(
	figures: ReputationFigures,
	windowStart: number | null,
): z.infer<typeof ReputationFiguresSchema> {
	return {
		...describeFigures(figures),
		window_start: toIsoOrNull(windowStart),
		headroom: {
			hard_bounces_before_suspension: headroom(figures, "hardBounces"),
			complaints_before_suspension: headroom(figures, "complaints"),
		},
	};
}

const ReputationSchema = ReputationFiguresSchema.extend({
	object: z.literal("reputation"),
	accepted_this_month: z.number().int().openapi({
		description:
			"Recipients the API accepted this calendar month (UTC): the quota's count; emails that never reached SES are given back",
	}),
	suspended: z.boolean(),
	suspension_reason: z.string().nullable(),
}).openapi("Reputation");

const route = createRoute({
	method: "get",
	path: "/reputation",
	summary:
		"The rolling 7-day bounce and complaint figures, the thresholds, and how close the account is",
	responses: {
		200: {
			description: "The figures",
			content: { "application/json": { schema: ReputationSchema } },
		},
		...commonErrors,
	},
});

export const getReputation = createRouter().openapi(route, async (c) => {
	const guard = guardFor(c.env, c.get("caller").accountId);
	const [{ figures, suspension, windowStart }, accepted] = await Promise.all([
		guard.reputation(),
		guard.usage(),
	]);
	return c.json(
		{
			object: "reputation" as const,
			...presentFigures(figures, windowStart),
			accepted_this_month: accepted,
			suspended: suspension !== null,
			suspension_reason: suspension?.reason ?? null,
		},
		200,
	);
});
