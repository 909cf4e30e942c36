/**
 * The account's AWS connection (BYOC), shared by the AWS connection page and the Domains pages
 * (which say when a BYOC domain cannot be added or send because there is no connection).
 */
import { queryOptions } from "@tanstack/react-query";
import { api, type Schemas } from "../../api.ts";

export type ByocConnection = Schemas["ByocConnection"];

export const byocKey = ["byoc-connection"] as const;

export const byocQuery = queryOptions({
	queryKey: byocKey,
	queryFn: () => api.byoc.get(),
});
