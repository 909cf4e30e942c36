/**
 * A parser for the small Markdown subset the guides in docs/ use: ATX headings, paragraphs,
 * bullet and numbered lists (items may hold indented paragraphs and code), fenced code, pipe
 * tables, and inline code, bold, emphasis and links. It produces data, never HTML, so the
 * renderer (markdown.tsx) builds React elements and nothing in a guide can inject markup.
 */

export type Inline =
	| { kind: "text"; text: string }
	| { kind: "code"; text: string }
	| { kind: "strong"; children: Inline[] }
	| { kind: "em"; children: Inline[] }
	| { kind: "link"; href: string; children: Inline[] };

export type Block =
	| { kind: "heading"; level: number; text: string }
	| { kind: "paragraph"; text: string }
	| { kind: "code"; lang: string; text: string }
	| { kind: "list"; ordered: boolean; items: Block[][] }
	| { kind: "table"; head: string[]; rows: string[][] };

const FENCE = /^```(\S*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const ITEM = /^([-*+]|\d+\.)\s+/;
const isBlank = (line: string) => line.trim() === "";
const indentOf = (line: string) => line.length - line.trimStart().length;
const startsBlock = (line: string) =>
	FENCE.test(line) || HEADING.test(line) || ITEM.test(line) || line.startsWith("|");

export function parseBlocks(source: string | string[]): Block[] {
	const lines = typeof source === "string" ? source.replace(/\r\n?/g, "\n").split("\n") : source;
	const blocks: Block[] = [];
	let i = 0;
	while (i < lines.length) {
		const line = lines[i] ?? "";
		const fence = FENCE.exec(line);
		const heading = HEADING.exec(line);
		if (isBlank(line)) {
			i++;
		} else if (fence) {
			const end = lines.findIndex((l, at) => at > i && l.trim() === "```");
			const stop = end === -1 ? lines.length : end;
			blocks.push({
				kind: "code",
				lang: fence[1] ?? "",
				text: lines.slice(i + 1, stop).join("\n"),
			});
			i = stop + 1;
		} else if (heading) {
			blocks.push({ kind: "heading", level: heading[1]?.length ?? 1, text: heading[2] ?? "" });
			i++;
		} else if (line.startsWith("|")) {
			const rows: string[][] = [];
			for (; i < lines.length && lines[i]?.startsWith("|"); i++) rows.push(cells(lines[i] ?? ""));
			// The second row is the |---| separator.
			blocks.push({ kind: "table", head: rows[0] ?? [], rows: rows.slice(2) });
		} else if (ITEM.test(line)) {
			i = parseList(lines, i, blocks);
		} else {
			const text: string[] = [];
			for (; i < lines.length && !isBlank(lines[i] ?? ""); i++) {
				if (text.length > 0 && startsBlock(lines[i] ?? "")) break;
				text.push((lines[i] ?? "").trim());
			}
			blocks.push({ kind: "paragraph", text: text.join(" ") });
		}
	}
	return blocks;
}

/** A list from line `start`; an item's further lines are indented (or continue its text). */
function parseList(lines: string[], start: number, out: Block[]): number {
	const ordered = /^\d/.test(lines[start] ?? "");
	const items: Block[][] = [];
	let i = start;
	while (i < lines.length) {
		const marker = ITEM.exec(lines[i] ?? "");
		if (!marker || /^\d/.test(marker[1] ?? "") !== ordered) break;
		const width = marker[0].length;
		const body = [(lines[i] ?? "").slice(width)];
		for (i++; i < lines.length; i++) {
			const line = lines[i] ?? "";
			if (isBlank(line)) {
				// A blank line continues the item only when indented text follows it.
				const next = lines.slice(i).find((l) => !isBlank(l));
				if (next === undefined || indentOf(next) < 2) break;
				body.push("");
			} else if (indentOf(line) >= 2) {
				body.push(line.slice(Math.min(indentOf(line), width)));
			} else if (!startsBlock(line) && !isBlank(body.at(-1) ?? "")) {
				body.push(line);
			} else break;
		}
		items.push(parseBlocks(body));
		while (i < lines.length && isBlank(lines[i] ?? "") && ITEM.test(lines[i + 1] ?? "")) i++;
	}
	out.push({ kind: "list", ordered, items });
	return i;
}

function cells(row: string): string[] {
	return row
		.replace(/^\|/, "")
		.replace(/\|\s*$/, "")
		.split(/(?<!\\)\|/)
		.map((cell) => cell.trim().replaceAll("\\|", "|"));
}

const INLINE =
	/`([^`]+)`|\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)\s]+)\)|(?<![\w*])\*(?![\s*])(.+?)\*(?![\w*])|(?<!\w)_(?![\s_])(.+?)_(?!\w)/g;

export function parseInline(text: string): Inline[] {
	const out: Inline[] = [];
	let last = 0;
	for (const m of text.matchAll(INLINE)) {
		if (m.index > last) out.push({ kind: "text", text: text.slice(last, m.index) });
		const [, code, strong, label, href, star, underscore] = m;
		if (code !== undefined) out.push({ kind: "code", text: code });
		else if (strong !== undefined) out.push({ kind: "strong", children: parseInline(strong) });
		else if (label !== undefined && href !== undefined)
			out.push({ kind: "link", href, children: parseInline(label) });
		else out.push({ kind: "em", children: parseInline(star ?? underscore ?? "") });
		last = m.index + m[0].length;
	}
	if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
	return out;
}

/** GitHub's heading anchors, so links such as `dns-records.md#troubleshooting` land. */
export function slug(text: string): string {
	return text
		.toLowerCase()
		.replace(/[`*_]/g, "")
		.replace(/[^\p{L}\p{N}\s-]/gu, "")
		.trim()
		.replace(/\s/g, "-");
}
