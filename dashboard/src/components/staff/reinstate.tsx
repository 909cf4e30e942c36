/**
 * Lifting a suspension: a note for the account's history, then a confirmation, since sending
 * resumes at once and the 7-day window restarts from zero (the figures that caused the
 * suspension cannot cause it again).
 */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { ConfirmButton } from "../confirm.tsx";
import { TextArea } from "../ui/fields.tsx";

export function ReinstateForm({
	accountId,
	accountName,
	onReinstated,
}: {
	accountId: string;
	accountName: string;
	onReinstated: (message: string) => void;
}) {
	const queryClient = useQueryClient();
	const [note, setNote] = useState("");
	const trimmed = note.trim();
	return (
		<div className="space-y-3">
			<TextArea
				label="Reinstatement note"
				hint="Required. Kept in the account's history: what the customer changed, why sending may resume."
				value={note}
				onChange={(e) => setNote(e.target.value)}
			/>
			<ConfirmButton
				label="Reinstate"
				tone="primary"
				title={`Reinstate ${accountName}?`}
				description={
					trimmed
						? `Sending resumes now and the 7-day window restarts from zero. Note: “${trimmed}”`
						: "Write a reinstatement note first: close this and fill in the note."
				}
				onConfirm={async () => {
					// The API refuses an empty note too; saying so here saves a round trip.
					if (!trimmed) throw new Error("A reinstatement note is required.");
					await api.staff.reinstate(accountId, { note: trimmed });
					setNote("");
					onReinstated(`Reinstated ${accountName}. Sending resumes now.`);
					await queryClient.invalidateQueries({ queryKey: ["staff"] });
				}}
			/>
		</div>
	);
}
