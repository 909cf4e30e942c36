import { PageHeader } from "../components/ui.tsx";

// Placeholder until this page is built.
export function Page() {
	return <PageHeader title="webhook-detail" description="Coming soon." />;
}
