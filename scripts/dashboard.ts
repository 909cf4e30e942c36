/**
 * The dashboard on this machine: built once with Vite, then served by `vite preview` with
 * `/api/*` proxied to the local Worker, the same shape as Cloudflare Pages with its Pages
 * Function in production (dashboard/functions/api/[[path]].ts). Loopback only.
 */
import { build, type PreviewServer, preview } from "vite";

const CONFIG = "dashboard/vite.config.ts";

export interface LocalDashboard {
	url: string;
	stop: () => Promise<void>;
}

export async function startDashboard(options: {
	apiUrl: string;
	port: number;
	quiet?: boolean;
}): Promise<LocalDashboard> {
	// The config reads the proxy's target from here (dashboard/vite.config.ts).
	process.env.SENDFLEET_API_URL = options.apiUrl;
	const logLevel = options.quiet ? "error" : "warn";
	await build({ configFile: CONFIG, logLevel });
	const server: PreviewServer = await preview({
		configFile: CONFIG,
		logLevel,
		preview: { port: options.port, strictPort: true, host: "127.0.0.1" },
	});
	return {
		url: `http://127.0.0.1:${options.port}`,
		stop: () => server.close(),
	};
}
