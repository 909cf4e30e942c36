// Puts the SES simulator behind the Worker's SES endpoint for a test. Tests and the Worker share
// one isolate in @cloudflare/vitest-plugin, so replacing globalThis.fetch reroutes the Worker's
// own SES calls: the real signing, request building and error mapping run against the simulator.

import { env } from "cloudflare:workers";
import {
	createSesSimulator,
	type SesSimulator,
	type SesSimulatorOptions,
} from "../../simulator/app.ts";

// Used until the test config sets these bindings (AWS_* are secrets the Env type may not list).
const TEST_DEFAULTS = {
	SES_ENDPOINT: "https://ses.simulator.test",
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

/**
 * Creates a simulator that verifies signatures with the Worker's credentials and routes fetches
 * to SES_ENDPOINT into it; everything else goes to the real fetch. Call `restore()` (e.g. in
 * afterEach) to put the original fetch back.
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
		...opts,
	});
	const endpoint = simulatorSetting("SES_ENDPOINT").replace(/\/+$/, "");
	const global = globalThis as unknown as { fetch: typeof fetch };
	const original = global.fetch;

	global.fetch = (input, init) => {
		const url = input instanceof Request ? input.url : String(input);
		// Compare up to a separator so `https://ses.simulator.test.example` is not captured.
		const isSes = url === endpoint || /^[/?#]/.test(url.slice(endpoint.length));
		if (url.startsWith(endpoint) && isSes) return sim.fetch(new Request(input, init));
		return original(input, init);
	};

	return {
		sim,
		restore() {
			global.fetch = original;
		},
	};
}
