/**
 * The staff pages keep their filters and page cursor in the URL (`?status=`, `?search=`,
 * `?suspended=`, `?after=` / `?before=`), so a reload, a shared link and the Back button all
 * land on the same view. The API's `has_more` looks in the direction of the cursor sent: older
 * rows after `after` (or with no cursor), newer rows with `before`.
 */
import { useNavigate, useSearch } from "@tanstack/react-router";
import { Button } from "../ui.tsx";

type SearchValue = string | undefined;
/** A flag goes into the URL as `?suspended=true`; a string "true" would be quoted there. */
type SetValue = SearchValue | boolean;

/** The search params as plain strings (the router parses `?search=123` into a number). */
export function useStaffSearch(): Record<string, SearchValue> {
	const search = useSearch({ strict: false }) as Record<string, unknown>;
	const out: Record<string, SearchValue> = {};
	for (const [key, value] of Object.entries(search)) {
		if (typeof value === "string" && value !== "") out[key] = value;
		else if (typeof value === "number" || typeof value === "boolean") out[key] = String(value);
	}
	return out;
}

/** Replaces some search params and keeps the others; `undefined` removes one. */
export function useSetStaffSearch() {
	const navigate = useNavigate();
	return (changes: Record<string, SetValue>) =>
		navigate({
			to: ".",
			// The staff routes declare no search schema, so the router cannot type these.
			search: ((prev: Record<string, unknown>) => {
				const next: Record<string, unknown> = { ...prev, ...changes };
				for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
				return next;
			}) as never,
		});
}

export function useCursor(): { after?: string; before?: string } {
	const { after, before } = useStaffSearch();
	return before ? { before } : after ? { after } : {};
}

export function Pager({
	rows,
	hasMore,
	label,
}: {
	rows: { id: string }[];
	hasMore: boolean;
	/** What is paged, for screen readers: "accounts", "verification requests". */
	label: string;
}) {
	const cursor = useCursor();
	const setSearch = useSetStaffSearch();
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
