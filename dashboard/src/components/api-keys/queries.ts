/** The API key list, a page of 100 at a time; `["api-keys"]` is invalidated after each change. */
import { infiniteQueryOptions } from "@tanstack/react-query";
import { api } from "../../api.ts";

export const apiKeysKey = ["api-keys"] as const;

export const apiKeyListQuery = infiniteQueryOptions({
	queryKey: [...apiKeysKey, "list"],
	queryFn: ({ pageParam }) =>
		api.apiKeys.list(pageParam ? { limit: 100, after: pageParam } : { limit: 100 }),
	initialPageParam: "",
	getNextPageParam: (page) => (page.has_more ? page.data.at(-1)?.id : undefined),
});
