// Puts the SES simulator behind the Worker's SES endpoint for a test. Tests and the Worker share
// one isolate in @cloudflare/vitest-plugin, so replacing globalThis.fetch reroutes the Worker's
// own SES calls: the real signing, request building and error mapping run against the simulator.
// The Worker's DNS-over-HTTPS resolver (DNS_RESOLVER_URL, by default `/dns-query` on the same
// host) is routed to the same simulator, so `sim.dns.publish(...)` is what the Worker's lookups
// and SES's verification both see. The simulator's SNS URLs (signing certificate, SubscribeURL)
// are on the same origin, so the Worker's certificate fetch reaches it too.

import { env, exports } from "cloudflare:workers";
import { vi } from "vitest";
import {
	createSesSimulator,
	type SesSimulator,
	type SesSimulatorOptions,
} from "../../simulator/app.ts";

// Used until the test config sets these bindings (AWS_* are secrets the Env type may not list).
const TEST_DEFAULTS = {
	SES_ENDPOINT: "https://ses.simulator.test",
	DNS_RESOLVER_URL: "https://ses.simulator.test/dns-query",
	SES_REGION: "us-east-1",
	AWS_ACCESS_KEY_ID: "AKIDSENDFLEETTEST",
	AWS_SECRET_ACCESS_KEY: "sendfleet-test-secret",
} as const;

type Setting = keyof typeof TEST_DEFAULTS;

/** A binding's value, or the test default when it is unset or empty. */
export function simulatorSetting(name: Setting): string {
	const value = (env as unknown as Partial<Record<Setting, unknown>>)[name];
	return typeof value === "string" && value !== "" ? value : TEST_DEFAULTS[name];
}

/** `path` on the simulator's origin, e.g. `simulatorUrl("/_simulator/domains")`. */
export function simulatorUrl(path = "/"): string {
	return new URL(path, new URL(simulatorSetting("SES_ENDPOINT")).origin).toString();
}

/**
 * What the Worker must trust to accept the simulator's SNS messages in tests: its topic (unless
 * a test sets `sns.topicArn`) and the prefix of its SigningCertURL.
 */
export function simulatorSnsSettings(): { topicArn: string; certUrlPrefix: string } {
	return {
		topicArn: `arn:aws:sns:${simulatorSetting("SES_REGION")}:000000000000:sendfleet-ses-events`,
		certUrlPrefix: simulatorUrl("/sns/"),
	};
}

/**
 * Creates a simulator that verifies signatures with the Worker's credentials and routes every
 * fetch to the SES_ENDPOINT origin (any path: the SES APIs, `/dns-query`, the controls) and to
 * the DNS_RESOLVER_URL origin into it; everything else goes to the real fetch. Call `restore()`
 * (e.g. in afterEach) to put the original fetch back. To have SES events posted to the Worker,
 * pass `sns: { deliver: (request) => exports.default.fetch(request) }` (`exports` from
 * "cloudflare:workers") and `await sim.sns.flush()`.
 */
export function installSimulator(opts: SesSimulatorOptions = {}): {
	sim: SesSimulator;
	restore(): void;
} {
	const sim = createSesSimulator({
		credentials: {
			accessKeyId: simulatorSetting("AWS_ACCESS_KEY_ID"),
			secretAccessKey: simulatorSetting("AWS_SECRET_ACCESS_KEY"),
		},
		region: simulatorSetting("SES_REGION"),
		publicUrl: new URL(simulatorSetting("SES_ENDPOINT")).origin,
		...opts,
	});
	// Compare whole origins, so `https://ses.simulator.test.example` is not captured.
	const origins = new Set(
		[simulatorSetting("SES_ENDPOINT"), simulatorSetting("DNS_RESOLVER_URL")].map(
			(url) => new URL(url).origin,
		),
	);
	const global = globalThis as unknown as { fetch: typeof fetch };
	const original = global.fetch;

	global.fetch = (input, init) => {
		const url = input instanceof Request ? input.url : String(input);
		if (origins.has(originOf(url) ?? "")) return sim.fetch(new Request(input, init));
		return original(input, init);
	};

	return {
		sim,
		restore() {
			global.fetch = original;
		},
	};
}

function originOf(url: string): string | null {
	try {
		return new URL(url).origin;
	} catch {
		return null;
	}
}

/** A simulator whose SNS notifications go to the Worker's own fetch handler (`sim.sns.flush()`). */
export function installSimulatorPostingToWorker() {
	return installSimulator({ sns: { deliver: (request) => exports.default.fetch(request) } });
}

/** The first message SES got for `to`, once it has one (the send queue runs on its own). */
export const arrival = (sim: SesSimulator, to: string) =>
	vi.waitFor(
		() => {
			const [message] = sim.store.listMessages({ to });
			if (!message) throw new Error("not sent yet");
			return message;
		},
		{ timeout: 30_000, interval: 100 },
	);
