/**
 * A Vite plugin that prints the first-load JavaScript (the entry chunk and every chunk it
 * imports statically, gzipped) and fails the build above the budget. Lazy routes are left out:
 * they load when a page is opened.
 */
import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";

export function firstLoadBudget(budgetKb: number): Plugin {
	return {
		name: "sendfleet-first-load-budget",
		apply: "build",
		generateBundle(_options, bundle) {
			const chunks = new Map(
				Object.values(bundle).flatMap((item) =>
					item.type === "chunk" ? [[item.fileName, item]] : [],
				),
			);
			const seen = new Set<string>();
			const visit = (name: string) => {
				const chunk = chunks.get(name);
				if (!chunk || seen.has(name)) return;
				seen.add(name);
				for (const imported of chunk.imports) visit(imported);
			};
			for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk.fileName);
			const bytes = [...seen].reduce(
				(sum, name) => sum + gzipSync(chunks.get(name)?.code ?? "").byteLength,
				0,
			);
			const kb = bytes / 1024;
			const line = `First-load JavaScript: ${kb.toFixed(1)} KB gzipped (${seen.size} chunk${seen.size === 1 ? "" : "s"}; budget ${budgetKb} KB)`;
			if (kb > budgetKb) this.error(line);
			console.log(`\n${line}`);
		},
	};
}
