/** Which SES a domain sends through: SendFleet's (Shared SES) or the customer's own (BYOC). */
export function PathBadge({ path }: { path: "shared" | "byoc" }) {
	return path === "byoc" ? (
		<span className="inline-flex rounded-full bg-violet-100 px-2 py-0.5 text-xs font-medium whitespace-nowrap text-violet-800">
			BYOC
		</span>
	) : (
		<span className="inline-flex rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium whitespace-nowrap text-slate-700">
			Shared SES
		</span>
	);
}
