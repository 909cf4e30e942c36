/**
 * The Emails log's filters and page cursor live in the URL, so a filtered view can be shared
 * and survives a reload, and Back walks the pages. The URL keeps what the user chose (dates as
 * days); `apiQuery` turns it into GET /emails's parameters.
 */
import { useSearch } from "@tanstack/react-router";
import type { api } from "../../api.ts";
import { Pager as CursorPager, useSetSearch } from "../url-state.tsx";

type ListQuery = NonNullable<Parameters<typeof api.emails.list>[0]>;

/**
 * The values of one of GET /emails's filters, as the dashboard offers them: a runtime list
 * (the generated API types have none) that must name each value the API takes, once the
 * type check is done with it. A value the API adds fails `npm run typecheck` here, rather
 * than going missing from the filter.
 */
function everyValueOf<Api extends string>() {
	return <const List extends readonly Api[]>(
		list: List & ([Api] extends [List[number]] ? unknown : { missing: Exclude<Api, List[number]> }),
	): List => list;
}

export const STATUSES = everyValueOf<NonNullable<ListQuery["status"]>>()([
	"pending",
	"sent",
	"failed",
]);
export const LAST_EVENTS = everyValueOf<NonNullable<ListQuery["last_event"]>>()([
	"scheduled",
	"queued",
	"sent",
	"delivered",
	"delivery_delayed",
	"bounced",
	"complained",
	"failed",
	"canceled",
]);

export interface EmailSearch {
	status?: (typeof STATUSES)[number];
	last_event?: (typeof LAST_EVENTS)[number];
	to?: string;
	domain_id?: string;
	tag?: string;
	/** First day shown, `YYYY-MM-DD` in the viewer's time zone. */
	since?: string;
	/** Last day shown, inclusive. */
	until?: string;
	after?: string;
	before?: string;
}

const oneOf = <T extends string>(list: readonly T[], value: string | undefined) =>
	list.find((v) => v === value);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The search params as the log understands them; anything unknown or malformed is dropped. */
export function useEmailSearch(): EmailSearch {
	const raw = useSearch({ strict: false }) as Record<string, unknown>;
	// The router parses `?to=1` as a number; every value here is text.
	const text = (key: string) => {
		const v = raw[key];
		return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
	};
	const day = (key: string) => {
		const v = text(key);
		return v && DAY.test(v) ? v : undefined;
	};
	return {
		status: oneOf(STATUSES, text("status")),
		last_event: oneOf(LAST_EVENTS, text("last_event")),
		to: text("to"),
		domain_id: text("domain_id"),
		tag: text("tag"),
		since: day("since"),
		until: day("until"),
		...(text("before")
			? { before: text("before") }
			: text("after")
				? { after: text("after") }
				: {}),
	};
}

/** Replaces some search params and keeps the others; `undefined` removes one. */
export function useSetEmailSearch() {
	const set = useSetSearch();
	return (changes: Partial<Record<keyof EmailSearch, string | undefined>>) => set(changes);
}

/** Local midnight of a `YYYY-MM-DD` day, `days` later, as ISO 8601. */
function localMidnight(day: string, days = 0): string {
	const [y, m, d] = day.split("-").map(Number);
	return new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days).toISOString();
}

export function apiQuery(
	search: EmailSearch,
	limit: number,
): Parameters<typeof api.emails.list>[0] {
	return {
		limit,
		status: search.status,
		last_event: search.last_event,
		to: search.to,
		domain_id: search.domain_id,
		tag: search.tag,
		created_after: search.since ? localMidnight(search.since) : undefined,
		created_before: search.until ? localMidnight(search.until, 1) : undefined,
		after: search.after,
		before: search.before,
	};
}

export const isFiltered = (s: EmailSearch) =>
	Boolean(s.status || s.last_event || s.to || s.domain_id || s.tag || s.since || s.until);

/** Newer/Older over the API's keyset cursors, in the email log's own URL state. */
export function Pager({ rows, hasMore }: { rows: { id: string }[]; hasMore: boolean }) {
	const search = useEmailSearch();
	const setSearch = useSetEmailSearch();
	return (
		<CursorPager
			rows={rows}
			hasMore={hasMore}
			label="emails"
			cursor={{ after: search.after, before: search.before }}
			setSearch={setSearch}
		/>
	);
}
