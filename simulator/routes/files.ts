// A file host for attachments given by `path` (filled in by the attachments work): the Worker
// fetches `/files/...` on the simulator's origin as it would a customer's public URL.

import { Hono } from "hono";

export function createFileRoutes(): Hono {
	return new Hono();
}
