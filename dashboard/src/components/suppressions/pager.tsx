/**
 * Newer/Older paging over the API's keyset cursors, kept in the URL (`?after=` / `?before=`) so
 * a page survives a reload and the Back button walks pages. The API's `has_more` looks in the
 * direction of the cursor that was sent: older rows after `after` (or with no cursor), newer
 * rows with `before`.
 */
import { useNavigate, useSearch } from "@tanstack/react-router";
import { Button } from "../ui.tsx";

type SearchValue = string | undefined;

/** The page's search params as plain strings (these routes declare no search schema). */
export function useSearchParams(): Record<string, SearchValue> {
	const search = useSearch({ strict: false }) as Record<string, unknown>;
	const out: Record<string, SearchValue> = {};
	for (const [key, value] of Object.entries(search)) {
		if (typeof value === "string" && value !== "") out[key] = value;
		else if (typeof value === "number") out[key] = String(value);
	}
	return out;
}

/** Replaces some search params and keeps the others; `undefined` removes one. */
export function useSetSearch() {
	const navigate = useNavigate();
	return (changes: Record<string, SearchValue>, options: { replace?: boolean } = {}) =>
		navigate({
			to: ".",
			replace: options.replace,
			// No route here declares its search params, so the router cannot type them.
			search: ((prev: Record<string, unknown>) => {
				const next: Record<string, unknown> = { ...prev, ...changes };
				for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
				return next;
			}) as never,
		});
}

/** The cursor for the list query: `{after}` or `{before}` from the URL, or neither. */
export function useCursor(): { after?: string; before?: string } {
	const { after, before } = useSearchParams();
	return before ? { before } : after ? { after } : {};
}

export function Pager({
	rows,
	hasMore,
	label,
}: {
	rows: { id: string }[];
	hasMore: boolean;
	/** What is paged, for screen readers: "suppressions", "events". */
	label: string;
}) {
	const cursor = useCursor();
	const setSearch = useSetSearch();
	const first = rows[0]?.id;
	const last = rows.at(-1)?.id;
	const hasNewer = cursor.before ? hasMore : cursor.after !== undefined;
	const hasOlder = cursor.before ? last !== undefined : hasMore;
	if (!hasNewer && !hasOlder) return null;
	return (
		<nav aria-label={`Pages of ${label}`} className="flex items-center justify-end gap-2 pt-4">
			<Button
				tone="secondary"
				disabled={!hasNewer || first === undefined}
				onClick={() => setSearch({ after: undefined, before: first })}
			>
				← Newer
			</Button>
			<Button
				tone="secondary"
				disabled={!hasOlder}
				onClick={() => setSearch({ before: undefined, after: last })}
			>
				Older →
			</Button>
		</nav>
	);
}
