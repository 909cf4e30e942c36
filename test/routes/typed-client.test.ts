/**
 * The typed test client (test/helpers/client.ts) takes its types from a mirror of the app's
 * mounting; this checks the mirror documents exactly the operations the real app serves, so
 * a route added to src/app.ts without the mirror (or mounted elsewhere) fails here.
 */
import { describe, expect, it } from "vitest";
import { routeTypes } from "../helpers/client.ts";
import { OpenApiDocument, operationsOf, readOpenApi } from "../helpers/openapi.ts";

describe("the typed test client", () => {
	it("knows the same operations, at the same paths, as the app's OpenAPI document", async () => {
		const served = await readOpenApi();
		const mirrored = routeTypes().getOpenAPI31Document({
			openapi: "3.1.0",
			info: { title: "mirror", version: "0" },
		});
		expect(operationsOf(OpenApiDocument.parse(mirrored))).toEqual(operationsOf(served));
	});
});
