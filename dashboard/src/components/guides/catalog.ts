/**
 * The guides in docs/, bundled into the Guides page's chunk at build time (Vite's `?raw`), so
 * the dashboard shows the same words as the repository. Each has a short id for its URL; links
 * between guides (`dns-records.md#troubleshooting`) are mapped through `file`.
 */

import dnsRecords from "../../../../docs/dns-records.md?raw";
import gettingStarted from "../../../../docs/getting-started.md?raw";
import index from "../../../../docs/README.md?raw";
import suspension from "../../../../docs/suspension-and-suppression.md?raw";

export interface Guide {
	id: string;
	file: string;
	title: string;
	source: string;
}

const guide = (id: string, file: string, source: string): Guide => ({
	id,
	file,
	// The guide's own first heading, so a renamed guide needs no change here.
	title: /^#\s+(.+)$/m.exec(source)?.[1]?.trim() ?? id,
	source,
});

export const GUIDES: Guide[] = [
	guide("index", "README.md", index),
	guide("getting-started", "getting-started.md", gettingStarted),
	guide("dns-records", "dns-records.md", dnsRecords),
	guide("suspension", "suspension-and-suppression.md", suspension),
];

export const findGuide = (id: string) => GUIDES.find((g) => g.id === id);
export const guideForFile = (file: string) => GUIDES.find((g) => g.file === file);
