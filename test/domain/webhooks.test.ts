/** Which webhook URLs are allowed (SSRF), and the development prefix that lets one origin through. */
import { describe, expect, it } from "vitest";
import {
	answeredNothingFor72h,
	checkEndpointUrl,
	GIVE_UP_AFTER_MS,
	LAST_SUCCESS_EVERY_MS,
} from "../../src/domain/webhooks.ts";

describe("checkEndpointUrl", () => {
	it("allows a public https host on 443 or 8443, normalised", () => {
		expect(checkEndpointUrl("https://Hooks.Example.com/in?x=1", "")).toEqual({
			kind: "ok",
			url: "https://hooks.example.com/in?x=1",
		});
		expect(checkEndpointUrl("https://hooks.example.com:8443/", "").kind).toBe("ok");
		expect(checkEndpointUrl("https://hooks.example.com:443/", "").kind).toBe("ok");
	});

	it.each([
		["http://hooks.example.com/", "must use https://"],
		["https://127.0.0.1/", "must name a host, not an IP address"],
		["https://0x7f000001/", "must name a host, not an IP address"],
		["https://[fd00::1]/", "must name a host, not an IP address"],
		["https://localhost./", "must be a public host name, not a local or internal one"],
		["https://api.localhost/", "must be a public host name, not a local or internal one"],
		["https://nas.local/", "must be a public host name, not a local or internal one"],
		["https://db.corp.internal/", "must be a public host name, not a local or internal one"],
		["https://intranet/", "must be a fully qualified public host name"],
		["https://hooks.example.com:22/", "must use port 443 or 8443"],
	])("refuses %s", (url, why) => {
		expect(checkEndpointUrl(url, "")).toEqual({ kind: "refused", why });
	});

	it("lets the development prefix through, and only its origin and path", () => {
		const prefix = "http://127.0.0.1:8788/webhooks/";
		expect(checkEndpointUrl("http://127.0.0.1:8788/webhooks/receive/demo", prefix).kind).toBe("ok");
		expect(checkEndpointUrl("http://127.0.0.1:8788/other", prefix).kind).toBe("refused");
		expect(checkEndpointUrl("http://127.0.0.1:8789/webhooks/x", prefix).kind).toBe("refused");
		// Empty in production: the same URL is refused.
		expect(checkEndpointUrl("http://127.0.0.1:8788/webhooks/receive/demo", "").kind).toBe(
			"refused",
		);
	});
});

describe("answeredNothingFor72h", () => {
	const now = Date.UTC(2026, 10, 29, 12);
	it("is true for an endpoint that never succeeded", () => {
		expect(answeredNothingFor72h(null, now)).toBe(true);
	});

	it("is false while the stored success may be followed by one within the 72 h", () => {
		// Stored at most hourly: the true last success may be up to an hour after it.
		expect(answeredNothingFor72h(now - GIVE_UP_AFTER_MS, now)).toBe(false);
		expect(answeredNothingFor72h(now - GIVE_UP_AFTER_MS - LAST_SUCCESS_EVERY_MS + 1, now)).toBe(
			false,
		);
		expect(answeredNothingFor72h(now - 1000, now)).toBe(false);
	});

	it("is true once even the latest possible success is 72 h old", () => {
		expect(answeredNothingFor72h(now - GIVE_UP_AFTER_MS - LAST_SUCCESS_EVERY_MS, now)).toBe(true);
	});
});
