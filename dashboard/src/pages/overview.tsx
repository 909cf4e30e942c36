import { PageHeader } from "../components/ui.tsx";

// Placeholder until this page is built.
export function Page() {
	return <PageHeader title="overview" description="Coming soon." />;
}
