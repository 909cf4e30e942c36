/**
 * The dashboard's build. Locally (`npm start`) the built app is served by `vite preview` with
 * `/api/*` proxied to the Worker, the same shape as production, where a Pages Function
 * (functions/api/[[path]].ts) forwards `/api/*` through a service binding.
 */
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { firstLoadBudget } from "./build/first-load-budget.ts";

/** Where `/api/*` goes locally: the Worker started by scripts/local-stack.ts. */
const apiTarget = process.env.SENDFLEET_API_URL ?? "http://127.0.0.1:8787";
const proxy = {
	// A pattern, not the prefix "/api", which would also take the page /api-keys.
	"^/api(/|$)": {
		target: apiTarget,
		// The Worker sees the browser's Origin and Host as the dashboard's, as behind Pages.
		changeOrigin: false,
		rewrite: (path: string) => path.replace(/^\/api/, "") || "/",
	},
};

export default defineConfig({
	root: import.meta.dirname,
	plugins: [react(), tailwindcss(), firstLoadBudget(200)],
	build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 600 },
	server: { host: "127.0.0.1", proxy },
	preview: { host: "127.0.0.1", proxy },
});
