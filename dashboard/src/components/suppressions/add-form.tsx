/** "Add address": puts one address on the suppression list (origin `manual`). */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../../api.ts";
import { Button } from "../ui/buttons.tsx";
import { Field } from "../ui/fields.tsx";
import { ErrorNote, Notice } from "../ui/status.tsx";

export function AddSuppressionForm({ onAdded }: { onAdded: () => void }) {
	const queryClient = useQueryClient();
	const [email, setEmail] = useState("");
	const [added, setAdded] = useState<string | null>(null);
	const add = useMutation({
		mutationFn: (address: string) => api.suppressions.add({ email: address }),
		onSuccess: async (_, address) => {
			setAdded(address);
			setEmail("");
			await queryClient.invalidateQueries({ queryKey: ["suppressions"] });
			onAdded();
		},
	});
	const submit = (event: FormEvent) => {
		event.preventDefault();
		setAdded(null);
		add.mutate(email.trim());
	};
	return (
		// The API says what is wrong with an address, in the product's words; the browser's own
		// check would answer first, and differently.
		<form onSubmit={submit} noValidate className="space-y-3" aria-label="Add an address">
			<div className="flex flex-col gap-3 sm:flex-row sm:items-end">
				<div className="flex-1">
					<Field
						label="Email address"
						name="email"
						type="email"
						autoComplete="off"
						placeholder="someone@example.com"
						value={email}
						onChange={(e) => setEmail(e.target.value)}
						hint="Origin “manual”: for example an address from your own unsubscribe list."
					/>
				</div>
				<Button type="submit" busy={add.isPending} className="sm:mb-[1.75rem]">
					Add address
				</Button>
			</div>
			<div aria-live="polite">
				{add.error ? <ErrorNote error={add.error} /> : null}
				{added ? (
					<Notice tone="green">
						{added} is on your suppression list. Emails to it will be refused.
					</Notice>
				) : null}
			</div>
		</form>
	);
}
