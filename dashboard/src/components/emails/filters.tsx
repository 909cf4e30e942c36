/**
 * The Emails log's filters. Selects apply at once; the text fields and dates apply with the
 * Filter button (or Enter), so typing an address does not fire a request per keystroke. Every
 * change goes back to the newest page: a cursor from another filter means nothing.
 */
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../../api.ts";
import { Button } from "../ui/buttons.tsx";
import { Field, Select } from "../ui/fields.tsx";
import {
	type EmailSearch,
	isFiltered,
	LAST_EVENTS,
	STATUSES,
	useSetEmailSearch,
} from "./url-state.tsx";

const label = (value: string) => value.replaceAll("_", " ");

export function EmailFilters({ search }: { search: EmailSearch }) {
	const setSearch = useSetEmailSearch();
	const domains = useQuery({
		queryKey: ["domains", { limit: 100 }],
		queryFn: () => api.domains.list({ limit: 100 }),
	});
	// On a phone the eight fields would push the log below the fold: they fold behind a button.
	const [open, setOpen] = useState(false);
	const [draft, setDraft] = useState(() => draftOf(search));
	// Back/Forward (or a tag link) change the URL under the fields; keep them in step.
	const fromUrl = JSON.stringify(draftOf(search));
	const [seen, setSeen] = useState(fromUrl);
	if (seen !== fromUrl) {
		setSeen(fromUrl);
		setDraft(draftOf(search));
	}

	const apply = (changes: Partial<Record<keyof EmailSearch, string | undefined>>) =>
		setSearch({ ...changes, after: undefined, before: undefined });
	const submit = (event: FormEvent) => {
		event.preventDefault();
		apply({
			to: draft.to.trim() || undefined,
			tag: draft.tag.trim() || undefined,
			since: draft.since || undefined,
			until: draft.until || undefined,
		});
	};
	const domainOptions = [
		{ value: "", label: domains.isPending ? "Loading domains…" : "All domains" },
		...(domains.data?.data ?? []).map((d) => ({ value: d.id, label: d.name })),
	];
	// A shared link may name a domain this list does not have (deleted, or past the first 100).
	if (search.domain_id && !domainOptions.some((o) => o.value === search.domain_id)) {
		domainOptions.push({ value: search.domain_id, label: `Domain ${search.domain_id}` });
	}

	return (
		<search aria-label="Filter emails">
			<Button
				tone="secondary"
				className="w-full sm:hidden"
				aria-expanded={open}
				aria-controls="email-filters"
				onClick={() => setOpen(!open)}
			>
				{open
					? "Hide filters"
					: `Filters${activeCount(search) ? ` (${activeCount(search)} on)` : ""}`}
			</Button>
			<form
				id="email-filters"
				onSubmit={submit}
				className={`${open ? "mt-3 block" : "hidden"} space-y-3 sm:mt-0 sm:block`}
			>
				<div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
					<Select
						label="Status"
						value={search.status ?? ""}
						options={[
							{ value: "", label: "Any status" },
							...STATUSES.map((s) => ({ value: s, label: label(s) })),
						]}
						onChange={(e) => apply({ status: e.target.value || undefined })}
					/>
					<Select
						label="Last event"
						value={search.last_event ?? ""}
						options={[
							{ value: "", label: "Any event" },
							...LAST_EVENTS.map((s) => ({ value: s, label: label(s) })),
						]}
						onChange={(e) => apply({ last_event: e.target.value || undefined })}
					/>
					<Select
						label="Domain"
						value={search.domain_id ?? ""}
						options={domainOptions}
						onChange={(e) => apply({ domain_id: e.target.value || undefined })}
					/>
					<Field
						label="Recipient"
						type="email"
						name="to"
						placeholder="customer@example.org"
						hint="Exact address in To, Cc or Bcc"
						value={draft.to}
						onChange={(e) => setDraft({ ...draft, to: e.target.value })}
					/>
					<Field
						label="Tag"
						name="tag"
						placeholder="category:receipt"
						hint="name:value, exact"
						pattern="[A-Za-z0-9_\-]+:[A-Za-z0-9_\-]+"
						title="A tag as name:value, e.g. category:receipt"
						value={draft.tag}
						onChange={(e) => setDraft({ ...draft, tag: e.target.value })}
					/>
					<Field
						label="From day"
						type="date"
						name="since"
						value={draft.since}
						max={draft.until || undefined}
						onChange={(e) => setDraft({ ...draft, since: e.target.value })}
					/>
					<Field
						label="To day"
						type="date"
						name="until"
						hint="Days in your time zone, inclusive"
						value={draft.until}
						min={draft.since || undefined}
						onChange={(e) => setDraft({ ...draft, until: e.target.value })}
					/>
					<div className="flex items-start gap-2 sm:pt-6">
						<Button type="submit">Filter</Button>
						{isFiltered(search) ? (
							<Button
								tone="secondary"
								onClick={() =>
									apply({
										status: undefined,
										last_event: undefined,
										domain_id: undefined,
										to: undefined,
										tag: undefined,
										since: undefined,
										until: undefined,
									})
								}
							>
								Clear filters
							</Button>
						) : null}
					</div>
				</div>
			</form>
		</search>
	);
}

const activeCount = (s: EmailSearch) =>
	[s.status, s.last_event, s.domain_id, s.to, s.tag, s.since, s.until].filter(Boolean).length;

function draftOf(search: EmailSearch) {
	return {
		to: search.to ?? "",
		tag: search.tag ?? "",
		since: search.since ?? "",
		until: search.until ?? "",
	};
}
