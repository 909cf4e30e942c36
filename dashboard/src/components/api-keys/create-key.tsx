/**
 * Create an API key. The token is in the create answer only (we keep a hash), so it is shown
 * here once, focused so a screen reader announces it, until the user dismisses it.
 */
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { api, type Schemas } from "../../api.ts";
import { domainListQuery } from "../domains/queries.ts";
import { Button, CopyValue } from "../ui/buttons.tsx";
import { Card } from "../ui/containers.tsx";
import { Field, Select } from "../ui/fields.tsx";
import { ErrorNote, Notice } from "../ui/status.tsx";
import { apiKeysKey } from "./queries.ts";

type Permission = Schemas["CreateApiKeyRequest"]["permission"] & string;

const PERMISSIONS = [
	{ value: "full_access", label: "Full access: the whole API" },
	{ value: "sending_access", label: "Sending access: send email only" },
];

export function CreateKeyForm() {
	const queryClient = useQueryClient();
	const [name, setName] = useState("");
	const [permission, setPermission] = useState<Permission>("full_access");
	const [domainId, setDomainId] = useState("");
	const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
	const create = useMutation({
		mutationFn: () =>
			api.apiKeys.create({
				name: name.trim(),
				permission,
				...(permission === "sending_access" && domainId ? { domain_id: domainId } : {}),
			}),
		onSuccess: async (key) => {
			setCreated({ name: name.trim(), token: key.token });
			setName("");
			await queryClient.invalidateQueries({ queryKey: apiKeysKey });
		},
	});
	const onSubmit = (event: FormEvent) => {
		event.preventDefault();
		create.mutate();
	};

	return (
		<Card title="Create API key">
			{created ? <NewKey created={created} onDone={() => setCreated(null)} /> : null}
			<form className="space-y-4" onSubmit={onSubmit}>
				<div className="grid gap-4 sm:grid-cols-2">
					<Field
						label="Name"
						name="name"
						required
						maxLength={50}
						autoComplete="off"
						placeholder="Production server"
						value={name}
						onChange={(e) => setName(e.target.value)}
					/>
					<Select
						label="Permission"
						name="permission"
						options={PERMISSIONS}
						value={permission}
						onChange={(e) => setPermission(e.target.value as Permission)}
					/>
				</div>
				{permission === "sending_access" ? (
					<DomainSelect value={domainId} onChange={setDomainId} />
				) : null}
				{create.error ? <ErrorNote error={create.error} /> : null}
				<Button type="submit" busy={create.isPending}>
					Create API key
				</Button>
			</form>
		</Card>
	);
}

function DomainSelect({ value, onChange }: { value: string; onChange: (id: string) => void }) {
	const list = useInfiniteQuery(domainListQuery);
	const hintId = useId();
	if (list.isError) return <ErrorNote error={list.error} retry={() => void list.refetch()} />;
	const domains = list.data?.pages.flatMap((page) => page.data) ?? [];
	const options = [
		{ value: "", label: list.isPending ? "Loading your domains…" : "Any of the account's domains" },
		...domains.map((d) => ({
			value: d.id,
			label: d.status === "verified" ? d.name : `${d.name} (${d.status.replaceAll("_", " ")})`,
		})),
	];
	return (
		<div className="sm:w-1/2 sm:pr-2">
			<Select
				label="Domain"
				name="domain_id"
				options={options}
				value={value}
				disabled={list.isPending}
				aria-describedby={hintId}
				onChange={(e) => onChange(e.target.value)}
			/>
			<p id={hintId} className="mt-1 text-sm text-slate-600">
				Limit the key to sending from one domain.
			</p>
		</div>
	);
}

function NewKey({
	created,
	onDone,
}: {
	created: { name: string; token: string };
	onDone: () => void;
}) {
	const heading = useRef<HTMLHeadingElement>(null);
	useEffect(() => heading.current?.focus(), []);
	return (
		<div className="mb-6 space-y-3">
			<Notice tone="yellow">
				<h3 ref={heading} tabIndex={-1} className="font-semibold outline-none">
					Copy your new key “{created.name}” now
				</h3>
				<p className="mt-1">
					You won't see it again: we keep only a hash of it. Store it in your secret manager; if it
					is lost, revoke it and create another.
				</p>
			</Notice>
			<CopyValue value={created.token} label="the new API key" />
			<Button tone="secondary" onClick={onDone}>
				I have stored it
			</Button>
		</div>
	);
}
