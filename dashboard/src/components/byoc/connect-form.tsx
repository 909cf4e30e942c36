/**
 * Connect (or replace) the AWS account: the SES region and either an IAM role (recommended) or
 * an access key pair. The API tests the credentials with SES before saving anything, so a
 * refusal here names what to fix (`missing_action` when a permission is missing).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ApiFailure, api } from "../../api.ts";
import { Button } from "../ui/buttons.tsx";
import { Field, RadioCards } from "../ui/fields.tsx";
import { ErrorNote } from "../ui/status.tsx";
import { type ByocConnection, byocKey } from "./queries.ts";

type Method = "role" | "access_key";

export function ConnectForm({
	current,
	onSaved,
	onCancel,
}: {
	current?: ByocConnection;
	onSaved: (connection: ByocConnection) => void;
	onCancel?: () => void;
}) {
	const queryClient = useQueryClient();
	const [region, setRegion] = useState(current?.region ?? "us-east-1");
	const [method, setMethod] = useState<Method>(current?.method ?? "role");
	const [roleArn, setRoleArn] = useState(current?.role_arn ?? "");
	const [keyId, setKeyId] = useState("");
	const [secret, setSecret] = useState("");
	const save = useMutation({
		mutationFn: () =>
			api.byoc.save(
				method === "role"
					? { region: region.trim(), role_arn: roleArn.trim() }
					: { region: region.trim(), access_key_id: keyId.trim(), secret_access_key: secret },
			),
		onSuccess: (connection) => {
			setSecret("");
			queryClient.setQueryData(byocKey, connection);
			onSaved(connection);
		},
	});
	const onSubmit = (event: FormEvent) => {
		event.preventDefault();
		save.mutate();
	};

	return (
		<form className="space-y-4" onSubmit={onSubmit}>
			<div className="max-w-xs">
				<Field
					label="SES region"
					name="region"
					required
					autoComplete="off"
					spellCheck={false}
					pattern="[a-z]{2}(-[a-z]+)+-\d"
					value={region}
					onChange={(e) => setRegion(e.target.value)}
					hint="The region of your SES account that sends, such as us-east-1 or eu-west-1."
				/>
			</div>
			<RadioCards
				legend="How SendFleet signs in"
				name="method"
				value={method}
				onChange={setMethod}
				options={[
					{
						value: "role",
						label: "IAM role (recommended)",
						description:
							"SendFleet assumes your role with your external id; no long-lived key is stored.",
					},
					{
						value: "access_key",
						label: "Access key",
						description: "An IAM user's key pair, encrypted at rest and never shown again.",
					},
				]}
			/>
			{method === "role" ? (
				<Field
					label="Role ARN"
					name="role_arn"
					required
					autoComplete="off"
					spellCheck={false}
					placeholder="arn:aws:iam::123456789012:role/SendFleet"
					value={roleArn}
					onChange={(e) => setRoleArn(e.target.value)}
				/>
			) : (
				<div className="grid gap-4 sm:grid-cols-2">
					<Field
						label="Access key id"
						name="access_key_id"
						required
						autoComplete="off"
						spellCheck={false}
						placeholder="AKIAIOSFODNN7EXAMPLE"
						value={keyId}
						onChange={(e) => setKeyId(e.target.value)}
					/>
					<Field
						label="Secret access key"
						name="secret_access_key"
						type="password"
						required
						autoComplete="off"
						value={secret}
						onChange={(e) => setSecret(e.target.value)}
					/>
				</div>
			)}
			<div aria-live="polite">{save.error ? <SaveError error={save.error} /> : null}</div>
			<div className="flex flex-wrap gap-2">
				<Button type="submit" busy={save.isPending}>
					{save.isPending ? "Testing with SES" : "Test and save"}
				</Button>
				{onCancel ? (
					<Button tone="secondary" onClick={onCancel}>
						Cancel
					</Button>
				) : null}
			</div>
		</form>
	);
}

/** The API's message, and the missing permission called out when SES named one. */
export function SaveError({ error }: { error: unknown }) {
	const missing =
		error instanceof ApiFailure && typeof error.body.missing_action === "string"
			? error.body.missing_action
			: null;
	return (
		<div className="space-y-2">
			<ErrorNote error={error} />
			{missing ? (
				<p className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-300">
					Missing permission:{" "}
					<code className="rounded bg-amber-100 px-1.5 py-0.5 font-mono font-semibold">
						{missing}
					</code>
					. Add it to the role's (or user's) policy, or paste the permissions policy above again.
				</p>
			) : null}
		</div>
	);
}
