/**
 * The dashboard on this machine: built once with Vite, then served by `vite preview` with
 * `/api/*` proxied to the local Worker, the same shape as Cloudflare Pages with its Pages
 * Function in production (dashboard/functions/api/[[path]].ts). Loopback only.
 */
import { resolve } from "node:path";
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
	// Each running dashboard builds into its own folder: `npm start`, the browser tests and
	// the screenshots may run side by side without serving each other's half-written files.
	const outDir = resolve(`node_modules/.cache/sendfleet-dashboard/${options.port}`);
	await build({ configFile: CONFIG, logLevel, build: { outDir, emptyOutDir: true } });
	const server: PreviewServer = await preview({
		configFile: CONFIG,
		logLevel,
		build: { outDir },
		preview: { port: options.port, strictPort: true, host: "127.0.0.1" },
	});
	return {
		url: `http://127.0.0.1:${options.port}`,
		stop: () => server.close(),
	};
}
