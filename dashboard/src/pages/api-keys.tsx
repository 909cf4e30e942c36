import { CreateKeyForm } from "../components/api-keys/create-key.tsx";
import { KeyList } from "../components/api-keys/key-list.tsx";
import { PageHeader } from "../components/ui/containers.tsx";

export function Page() {
	return (
		<div className="space-y-6">
			<PageHeader
				title="API Keys"
				description="Keys let your code call the API. Full access can use the whole API; sending access can only send email, optionally from one domain."
			/>
			<CreateKeyForm />
			<KeyList />
		</div>
	);
}
