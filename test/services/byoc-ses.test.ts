/**
 * The BYOC credential cache against the simulator's real STS: a role is assumed once, its
 * temporary credentials reused until five minutes before they expire, then renewed; a refused
 * AssumeRole is not cached.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SesSimulator } from "../../simulator/app.ts";
import {
	createByocSes,
	REFRESH_BEFORE_EXPIRY_MS,
	SESSION_SECONDS,
} from "../../src/services/byoc-ses.ts";
import { createStsClient } from "../../src/services/sts.ts";
import { installSimulator, simulatorSetting, simulatorUrl } from "../helpers/simulator.ts";

let sim: SesSimulator;
let restore: () => void;
beforeEach(() => {
	({ sim, restore } = installSimulator());
});
afterEach(() => restore());

function byocSes(now: () => number) {
	return createByocSes({
		sts: createStsClient({
			endpoint: simulatorUrl("/sts"),
			accessKeyId: simulatorSetting("AWS_ACCESS_KEY_ID"),
			secretAccessKey: simulatorSetting("AWS_SECRET_ACCESS_KEY"),
		}),
		sesEndpoint: simulatorSetting("SES_ENDPOINT"),
		now,
	});
}

function customerRole(externalId: string) {
	const aws = sim.aws.createAccount({ sandbox: false });
	const { roleArn } = sim.aws.createRole(aws.accountId, { name: "SendFleet", externalId });
	return { method: "role", roleArn, externalId, sessionName: "sendfleet-test" } as const;
}

describe("BYOC role credentials", () => {
	it("are assumed once, reused, and renewed shortly before they expire", async () => {
		let clock = Date.now();
		const ses = byocSes(() => clock);
		const access = customerRole(`ext-${crypto.randomUUID()}`);
		const calls = () => sim.aws.assumeRoleCalls.filter((c) => c.externalId === access.externalId);

		const first = await ses.clientFor(access, "eu-west-1");
		expect(first.kind).toBe("ok");
		if (first.kind === "ok") expect((await first.value.getAccount()).kind).toBe("ok");
		await ses.clientFor(access, "us-east-1");
		expect(calls()).toHaveLength(1);

		clock += SESSION_SECONDS * 1000 - REFRESH_BEFORE_EXPIRY_MS - 60_000;
		await ses.clientFor(access, "eu-west-1");
		expect(calls()).toHaveLength(1);

		clock += 2 * 60_000;
		const renewed = await ses.clientFor(access, "eu-west-1");
		expect(renewed.kind).toBe("ok");
		expect(calls()).toHaveLength(2);
	});

	it("share one AssumeRole between concurrent requests", async () => {
		const ses = byocSes(Date.now);
		const access = customerRole(`ext-${crypto.randomUUID()}`);
		await Promise.all([1, 2, 3, 4].map(() => ses.clientFor(access, "eu-west-1")));
		expect(sim.aws.assumeRoleCalls.filter((c) => c.externalId === access.externalId)).toHaveLength(
			1,
		);
	});

	it("are refused with the wrong external id, and the refusal is not cached", async () => {
		const ses = byocSes(Date.now);
		const access = customerRole(`ext-${crypto.randomUUID()}`);
		const wrong = { ...access, externalId: "not-the-one" };
		const refused = await ses.clientFor(wrong, "eu-west-1");
		expect(refused).toMatchObject({ kind: "fail", code: "AccessDenied" });
		expect(await ses.clientFor(wrong, "eu-west-1")).toMatchObject({ kind: "fail" });
		expect(sim.aws.assumeRoleCalls.filter((c) => c.externalId === "not-the-one")).toHaveLength(2);
	});
});
