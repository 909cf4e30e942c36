/**
 * The domain queries the Domains, domain detail and API Keys pages share. Keys sit under
 * `["domains", …]` so one invalidation of `["domains"]` refreshes all of them after a change.
 */
import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { api, type Schemas } from "../../api.ts";

export type Domain = Schemas["Domain"];
export type DomainRecord = Schemas["DomainRecord"];

export const domainsKey = ["domains"] as const;

/** The list, a page of 100 at a time (Pro holds at most 20, so one page is the usual case). */
export const domainListQuery = infiniteQueryOptions({
	queryKey: [...domainsKey, "list"],
	queryFn: ({ pageParam }) =>
		api.domains.list(pageParam ? { limit: 100, after: pageParam } : { limit: 100 }),
	initialPageParam: "",
	getNextPageParam: (page) => (page.has_more ? page.data.at(-1)?.id : undefined),
});

export const domainQuery = (id: string) =>
	queryOptions({
		queryKey: [...domainsKey, "detail", id],
		queryFn: () => api.domains.get(id),
	});
