/**
 * A confirmation before anything that cannot be undone (delete a domain, revoke a key, remove
 * a suppression). Radix's dialog traps focus, closes on Escape and labels itself for screen
 * readers; the action's own error shows inside the dialog.
 */
import * as Dialog from "@radix-ui/react-dialog";
import { type ReactNode, useState } from "react";
import { Button } from "./ui/buttons.tsx";
import { ErrorNote } from "./ui/status.tsx";

export function ConfirmButton({
	label,
	title,
	description,
	confirmLabel = label,
	dismissLabel = "Cancel",
	onConfirm,
	tone = "danger",
}: {
	label: string;
	title: string;
	description: ReactNode;
	confirmLabel?: string;
	/** The button that closes without acting; rename it when the action itself is a cancel. */
	dismissLabel?: string;
	onConfirm: () => Promise<unknown>;
	tone?: "danger" | "primary";
}) {
	const [open, setOpen] = useState(false);
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<unknown>(null);
	return (
		<Dialog.Root
			open={open}
			onOpenChange={(next) => {
				setOpen(next);
				setError(null);
			}}
		>
			<Dialog.Trigger asChild>
				<Button tone={tone === "danger" ? "secondary" : "primary"}>{label}</Button>
			</Dialog.Trigger>
			<Dialog.Portal>
				<Dialog.Overlay className="fixed inset-0 bg-slate-900/40" />
				<Dialog.Content className="fixed top-1/2 left-1/2 w-[calc(100%-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 space-y-4 rounded-lg bg-white p-6 shadow-xl">
					<Dialog.Title className="text-lg font-semibold">{title}</Dialog.Title>
					<Dialog.Description className="text-sm text-slate-600">{description}</Dialog.Description>
					{error ? <ErrorNote error={error} /> : null}
					<div className="flex justify-end gap-2">
						<Dialog.Close asChild>
							<Button tone="secondary">{dismissLabel}</Button>
						</Dialog.Close>
						<Button
							tone={tone}
							busy={busy}
							onClick={async () => {
								setBusy(true);
								setError(null);
								try {
									await onConfirm();
									setOpen(false);
								} catch (e) {
									setError(e);
								} finally {
									setBusy(false);
								}
							}}
						>
							{confirmLabel}
						</Button>
					</div>
				</Dialog.Content>
			</Dialog.Portal>
		</Dialog.Root>
	);
}
