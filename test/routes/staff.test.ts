/**
 * `/staff`: the security checks every staff route shares. The review flows themselves are
 * tested where their effects show: test/routes/account.test.ts (verification requests) and
 * test/routes/guard.test.ts (suspensions and reinstatement).
 */
import { runCommonRouteTests } from "../helpers/common-route-tests.ts";

const note = () => ({ note: "Checked by hand" });

runCommonRouteTests("/staff", [
	{ method: "GET", path: "/staff/verification-requests", access: "staff" },
	{
		method: "POST",
		path: "/staff/verification-requests/{id}/approve",
		access: "staff",
		body: note,
	},
	{ method: "POST", path: "/staff/verification-requests/{id}/reject", access: "staff", body: note },
	{ method: "GET", path: "/staff/accounts", access: "staff" },
	{ method: "GET", path: "/staff/accounts/{id}", access: "staff" },
	{ method: "POST", path: "/staff/accounts/{id}/reinstate", access: "staff", body: note },
]);
