/**
 * The architecture rules `npm run lint` enforces (dependency-cruiser): the layout in the README
 * holds only if the imports keep to it. A rule broken here fails CI.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
	forbidden: [
		{
			name: "no-cycles",
			severity: "error",
			comment: "An import cycle ties modules together so none can change alone.",
			from: { path: "^(src|simulator|scripts|bench|dashboard)/" },
			to: { circular: true },
		},
		{
			name: "domain-free-of-http",
			severity: "error",
			comment:
				"src/domain/ holds the product's rules: no HTTP (hono, routes, middleware), no env or bindings (env.ts, deps.ts, durable-objects). Dependencies are handed in.",
			from: { path: "^src/domain/" },
			to: {
				path: [
					"^node_modules/(hono|@hono)/",
					"^src/(routes|middleware)/",
					"^src/(app|env|deps|index)\\.ts$",
					"^src/durable-objects/",
				],
			},
		},
		{
			name: "services-and-db-below-domain",
			severity: "error",
			comment:
				"src/services/ (the outside world) and src/db/ (storage) never know the product's rules.",
			from: { path: "^src/(services|db)/" },
			to: { path: "^src/domain/" },
		},
		{
			name: "product-stands-alone",
			severity: "error",
			comment:
				"The deployed Worker never imports tests, scripts or the benchmark's instrumentation.",
			from: { path: "^src/" },
			to: { path: "^(test|scripts|bench|simulator)/" },
		},
		{
			name: "dashboard-talks-through-api-ts",
			severity: "error",
			comment:
				"dashboard/src/api.ts is the one file that knows the API's URLs: pages call its functions, never the HTTP client.",
			from: { path: "^dashboard/src/", pathNot: "^dashboard/src/api\\.ts$" },
			to: { path: "^node_modules/openapi-fetch/" },
		},
		{
			name: "dashboard-stands-alone",
			severity: "error",
			comment:
				"The dashboard is its own app: it knows the API only by its generated types, never the Worker's, the simulator's or the scripts' code.",
			from: { path: "^dashboard/" },
			to: { path: "^(src|simulator|scripts|test|bench)/" },
		},
	],
	options: {
		doNotFollow: { path: "node_modules" },
		exclude: { path: "\\.d\\.ts$" },
		tsConfig: { fileName: "tsconfig.json" },
		tsPreCompilationDeps: true,
		enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js", ".json"] },
	},
};
