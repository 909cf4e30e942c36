/**
 * The metrics call. It belongs in src/api.ts (`api.account.metrics`), which this change could
 * not edit; until it moves there, it is made the same way: the generated types, the same
 * `/api` base and errors as `ApiFailure` with the API's own message.
 */
import createClient from "openapi-fetch";
import type { paths } from "../../api/schema";
import { ApiFailure, type Schemas } from "../../api.ts";

export type Metrics = Schemas["Metrics"];
export type Period = "7" | "30";

const client = createClient<paths>({ baseUrl: "/api", credentials: "same-origin" });

export async function fetchMetrics(days: Period): Promise<Metrics> {
	const call = client.GET("/account/metrics", { params: { query: { days } } });
	let result: Awaited<typeof call>;
	try {
		result = await call;
	} catch {
		throw new ApiFailure(0, { message: "The API could not be reached. Check your connection." });
	}
	if (result.response.ok && result.data) return result.data;
	const body =
		result.error && typeof result.error === "object"
			? (result.error as Record<string, unknown>)
			: { message: `The API answered ${result.response.status}.` };
	throw new ApiFailure(result.response.status, body);
}
