/**
 * Lists keep their filters and page cursor in the URL (`?search=`, `?status=`, `?after=` /
 * `?before=`…), so a reload, a shared link and the Back button all land on the same view. The
 * Newer/Older pager walks the API's keyset cursors; `has_more` looks in the direction of the
 * cursor sent: older rows after `after` (or with no cursor), newer rows with `before`.
 */
import { useNavigate, useSearch } from "@tanstack/react-router";
import { type FormEvent, useEffect, useState } from "react";
import { Button } from "./ui/buttons.tsx";

type SearchValue = string | undefined;
/** A flag goes into the URL as `?suspended=true`; a string "true" would be quoted there. */
type SetValue = SearchValue | boolean;

/** The search params as plain strings (the router parses `?search=123` into a number). */
export function useSearchParams(): Record<string, SearchValue> {
	const search = useSearch({ strict: false }) as Record<string, unknown>;
	const out: Record<string, SearchValue> = {};
	for (const [key, value] of Object.entries(search)) {
		if (typeof value === "string" && value !== "") out[key] = value;
		else if (typeof value === "number" || typeof value === "boolean") out[key] = String(value);
	}
	return out;
}

/** Replaces some search params and keeps the others; `undefined` removes one. */
export function useSetSearch() {
	const navigate = useNavigate();
	return (changes: Record<string, SetValue>, options: { replace?: boolean } = {}) =>
		navigate({
			to: ".",
			replace: options.replace,
			// These routes declare no search schema, so the router cannot type the params.
			search: ((prev: Record<string, unknown>) => {
				const next: Record<string, unknown> = { ...prev, ...changes };
				for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
				return next;
			}) as never,
		});
}

/**
 * A search field kept in the URL's `?search=`: typed freely, applied on submit (back to the
 * first page), and put back in step when Back/Forward change the URL under it. `apply` sets
 * other filters the same way.
 */
export function useSearchFilter(search: string | undefined, beforeApply?: () => void) {
	const setSearch = useSetSearch();
	const [text, setText] = useState(search ?? "");
	useEffect(() => setText(search ?? ""), [search]);
	const apply = (changes: Record<string, SetValue>) => {
		beforeApply?.();
		setSearch({ ...changes, after: undefined, before: undefined });
	};
	const submit = (event: FormEvent) => {
		event.preventDefault();
		apply({ search: text.trim() || undefined });
	};
	return { text, setText, apply, submit };
}

/** A search form's buttons: Search, and Clear while a filter is applied. */
export function SearchActions({ active, onClear }: { active: boolean; onClear: () => void }) {
	return (
		<div className="flex gap-2">
			<Button type="submit" tone="secondary">
				Search
			</Button>
			{active ? (
				<Button tone="secondary" onClick={onClear}>
					Clear
				</Button>
			) : null}
		</div>
	);
}

export function useCursor(): { after?: string; before?: string } {
	const { after, before } = useSearchParams();
	return before ? { before } : after ? { after } : {};
}

export function Pager({
	rows,
	hasMore,
	label,
	cursor: given,
	setSearch: givenSet,
}: {
	rows: { id: string }[];
	hasMore: boolean;
	/** What is paged, for screen readers: "accounts", "events". */
	label: string;
	/** A page with its own URL state (the email log) passes its cursor and setter. */
	cursor?: { after?: string; before?: string };
	setSearch?: (changes: Record<string, SetValue>) => unknown;
}) {
	const fromUrl = useCursor();
	const setInUrl = useSetSearch();
	const cursor = given ?? fromUrl;
	const setSearch = givenSet ?? setInUrl;
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
