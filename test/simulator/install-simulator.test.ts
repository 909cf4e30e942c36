import { AwsClient } from "aws4fetch";
import { afterEach, describe, expect, it } from "vitest";
import { installSimulator, simulatorSetting, simulatorUrl } from "../helpers/simulator.ts";
import { minimalEmail } from "./support.ts";

const global = globalThis as unknown as { fetch: typeof fetch };
const realFetch = global.fetch;

afterEach(() => {
	global.fetch = realFetch;
});

describe("installSimulator", () => {
	it("routes signed SES calls made with the Worker's credentials into the simulator", async () => {
		const { sim, restore } = installSimulator();
		try {
			const aws = new AwsClient({
				accessKeyId: simulatorSetting("AWS_ACCESS_KEY_ID"),
				secretAccessKey: simulatorSetting("AWS_SECRET_ACCESS_KEY"),
				service: "ses",
				region: simulatorSetting("SES_REGION"),
				retries: 0,
			});
			const response = await aws.fetch(
				`${simulatorSetting("SES_ENDPOINT")}/v2/email/outbound-emails`,
				{ method: "POST", body: JSON.stringify(minimalEmail()) },
			);
			expect(response.status).toBe(200);
			expect(sim.store.listMessages().map((m) => m.to)).toEqual([["rcpt@example.test"]]);
		} finally {
			restore();
		}
	});

	it("refuses calls signed with another key, as SES would", async () => {
		const { restore } = installSimulator();
		try {
			const aws = new AwsClient({
				accessKeyId: "AKIDNOTTHEWORKER",
				secretAccessKey: "x",
				service: "ses",
				region: simulatorSetting("SES_REGION"),
				retries: 0,
			});
			const response = await aws.fetch(
				`${simulatorSetting("SES_ENDPOINT")}/v2/email/outbound-emails`,
				{ method: "POST", body: JSON.stringify(minimalEmail()) },
			);
			expect(response.status).toBe(403);
			expect(response.headers.get("x-amzn-ErrorType")).toBe("UnrecognizedClientException");
		} finally {
			restore();
		}
	});

	it("passes other URLs, look-alike hosts included, to the previous fetch", async () => {
		const seen: string[] = [];
		global.fetch = async (input) => {
			seen.push(input instanceof Request ? input.url : String(input));
			return new Response("from the network");
		};
		const { sim, restore } = installSimulator();
		const lookalike = `${simulatorSetting("SES_ENDPOINT")}.example/_simulator/messages`;
		expect(await (await fetch(lookalike)).text()).toBe("from the network");
		expect(await (await fetch("https://example.test/x")).text()).toBe("from the network");
		expect(seen).toEqual([lookalike, "https://example.test/x"]);

		const own = await fetch(`${simulatorSetting("SES_ENDPOINT")}/_simulator/messages`);
		expect(await own.json()).toEqual({ messages: [] });
		expect(sim.store.listMessages()).toEqual([]);

		restore();
		expect(await (await fetch(`${simulatorSetting("SES_ENDPOINT")}/x`)).text()).toBe(
			"from the network",
		);
	});

	it("routes the DNS-over-HTTPS resolver and the controls on the same origin", async () => {
		const { sim, restore } = installSimulator();
		try {
			expect(simulatorSetting("DNS_RESOLVER_URL")).toBe(simulatorUrl("/dns-query"));
			sim.dns.set("_amazonses.acme.test", "TXT", ["token"]);
			const url = new URL(simulatorSetting("DNS_RESOLVER_URL"));
			url.searchParams.set("name", "_amazonses.acme.test");
			url.searchParams.set("type", "TXT");
			const response = await fetch(url, { headers: { accept: "application/dns-json" } });
			expect(response.headers.get("content-type")).toBe("application/dns-json");
			expect(await response.json()).toMatchObject({ Status: 0, Answer: [{ data: '"token"' }] });

			const controls = await fetch(simulatorUrl("/_simulator/dns"));
			expect(await controls.json()).toEqual({
				records: [{ name: "_amazonses.acme.test", type: "TXT", values: ["token"] }],
				failure: "none",
			});
		} finally {
			restore();
		}
	});
});
