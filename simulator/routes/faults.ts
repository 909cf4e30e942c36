// Fault injection over HTTP, for demos and for tests that drive the simulator from outside the
// process: `POST /_simulator/faults` takes the same JSON as `SesSimulator.addFault`.

import { Hono } from "hono";
import { FaultInputError, parseFault } from "../faults.ts";
import type { SimulatorStore } from "../store.ts";
import { isJsonContentType } from "./json-body.ts";

export function createFaultRoutes(store: SimulatorStore): Hono {
	const routes = new Hono();

	routes.get("/_simulator/faults", (c) => c.json({ faults: store.listFaults() }, 200));

	routes.post("/_simulator/faults", async (c) => {
		// Requiring JSON makes a cross-site form post impossible without a CORS preflight, which
		// the simulator never grants: a web page cannot plant faults in a developer's simulator.
		if (!isJsonContentType(c.req.header("content-type"))) {
			return c.json({ error: "Content-Type must be application/json." }, 415);
		}
		let input: unknown;
		try {
			input = await c.req.json();
		} catch {
			return c.json({ error: "The request body is not valid JSON." }, 400);
		}
		try {
			const rule = parseFault(input);
			store.addFault(rule);
			return c.json(rule, 201);
		} catch (error) {
			if (error instanceof FaultInputError) return c.json({ error: error.message }, 400);
			throw error;
		}
	});

	routes.delete("/_simulator/faults", (c) => {
		const deleted = store.listFaults().length;
		store.clearFaults();
		return c.json({ deleted }, 200);
	});

	return routes;
}
