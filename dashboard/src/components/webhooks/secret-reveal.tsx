/** A freshly issued signing secret, shown with a copy button and what to do with it. */
import type { ReactNode } from "react";
import { CopyValue } from "../ui/buttons.tsx";
import { Notice } from "../ui/status.tsx";

export function NewSecret({ secret, children }: { secret: string; children: ReactNode }) {
	return (
		<Notice tone="green">
			<div className="space-y-2" role="status">
				{children}
				<CopyValue value={secret} label="signing secret" />
			</div>
		</Notice>
	);
}
