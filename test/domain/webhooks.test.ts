/** Which webhook URLs are allowed (SSRF), and the development prefix that lets one origin through. */
import { describe, expect, it } from "vitest";
import { checkEndpointUrl } from "../../src/domain/webhooks.ts";

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
