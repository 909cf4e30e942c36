/**
 * Renders parse-markdown.ts's blocks as React elements (text is always text: React escapes it).
 * Links go through `renderLink`, so the page decides what a guide's relative links mean and
 * anything unexpected (a `javascript:` URL) stays plain text.
 */
import type { ReactNode } from "react";
import { type Block, type Inline, parseBlocks, parseInline, slug } from "./parse-markdown.ts";

export type LinkRenderer = (href: string, children: ReactNode) => ReactNode;

const HEADING_STYLES = [
	"text-2xl font-semibold tracking-tight",
	"mt-10 border-b border-slate-200 pb-1 text-xl font-semibold",
	"mt-6 text-base font-semibold",
];

export function Markdown({ source, renderLink }: { source: string; renderLink: LinkRenderer }) {
	return (
		<div className="space-y-4 text-sm leading-6 text-slate-800">
			<Blocks blocks={parseBlocks(source)} renderLink={renderLink} />
		</div>
	);
}

function Blocks({ blocks, renderLink }: { blocks: Block[]; renderLink: LinkRenderer }) {
	return blocks.map((block, i) => (
		// Blocks never move, so their position is a stable key.
		// biome-ignore lint/suspicious/noArrayIndexKey: see above
		<BlockView key={i} block={block} renderLink={renderLink} />
	));
}

function BlockView({ block, renderLink }: { block: Block; renderLink: LinkRenderer }) {
	const inline = (text: string) => <Inlines nodes={parseInline(text)} renderLink={renderLink} />;
	switch (block.kind) {
		case "heading": {
			const Tag = `h${Math.min(block.level, 6)}` as "h1";
			return (
				<Tag id={slug(block.text)} className={HEADING_STYLES[block.level - 1] ?? HEADING_STYLES[2]}>
					{inline(block.text)}
				</Tag>
			);
		}
		case "paragraph":
			return <p>{inline(block.text)}</p>;
		case "code":
			return (
				<pre
					// biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
					tabIndex={0}
					className="overflow-x-auto rounded-md bg-slate-900 p-3 text-xs leading-5 text-slate-100"
				>
					<code>{block.text}</code>
				</pre>
			);
		case "list": {
			const Tag = block.ordered ? "ol" : "ul";
			return (
				<Tag className={`space-y-2 pl-6 ${block.ordered ? "list-decimal" : "list-disc"}`}>
					{block.items.map((item, i) => (
						// biome-ignore lint/suspicious/noArrayIndexKey: items never move
						<li key={i} className="space-y-3">
							{/* A one-paragraph item reads as a line, not as a paragraph. */}
							{item.length === 1 && item[0]?.kind === "paragraph" ? (
								inline(item[0].text)
							) : (
								<Blocks blocks={item} renderLink={renderLink} />
							)}
						</li>
					))}
				</Tag>
			);
		}
		case "table":
			return (
				<div
					// biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
					tabIndex={0}
					className="overflow-x-auto rounded-lg ring-1 ring-slate-200"
				>
					<table className="min-w-full divide-y divide-slate-200">
						<thead className="bg-slate-50 text-left">
							<tr>
								{block.head.map((cell, i) => (
									// biome-ignore lint/suspicious/noArrayIndexKey: columns never move
									<th key={i} scope="col" className="px-3 py-2 font-semibold">
										{inline(cell)}
									</th>
								))}
							</tr>
						</thead>
						<tbody className="divide-y divide-slate-100 bg-white">
							{block.rows.map((row, r) => (
								// biome-ignore lint/suspicious/noArrayIndexKey: rows never move
								<tr key={r}>
									{row.map((cell, c) => (
										// biome-ignore lint/suspicious/noArrayIndexKey: columns never move
										<td key={c} className="px-3 py-2 align-top">
											{inline(cell)}
										</td>
									))}
								</tr>
							))}
						</tbody>
					</table>
				</div>
			);
	}
}

function Inlines({ nodes, renderLink }: { nodes: Inline[]; renderLink: LinkRenderer }) {
	return nodes.map((node, i) => (
		// biome-ignore lint/suspicious/noArrayIndexKey: inline runs never move
		<InlineView key={i} node={node} renderLink={renderLink} />
	));
}

function InlineView({ node, renderLink }: { node: Inline; renderLink: LinkRenderer }) {
	if (node.kind === "text") return node.text;
	if (node.kind === "code")
		return (
			<code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-[0.85em]">{node.text}</code>
		);
	const children = <Inlines nodes={node.children} renderLink={renderLink} />;
	if (node.kind === "strong") return <strong>{children}</strong>;
	if (node.kind === "em") return <em>{children}</em>;
	return renderLink(node.href, children);
}
