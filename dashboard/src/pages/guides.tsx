/**
 * The guides from docs/ (getting started, DNS records, suspension and suppression), rendered
 * from their Markdown with a list of all guides beside them. Links between guides stay in the
 * dashboard; links elsewhere open in a new tab.
 */
import { Link, useParams } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { findGuide, GUIDES, guideForFile } from "../components/guides/catalog.ts";
import { type LinkRenderer, Markdown } from "../components/guides/markdown.tsx";
import { PageHeader } from "../components/ui/containers.tsx";

const linkClass = "font-medium text-indigo-700 underline";

export function Page() {
	const { guide: id } = useParams({ from: "/app/guides/$guide" });
	const guide = findGuide(id);
	return (
		<div className="lg:flex lg:items-start lg:gap-8">
			<GuideIndex current={guide?.id} />
			<article className="min-w-0 max-w-3xl flex-1">
				{guide ? (
					<Markdown key={guide.id} source={guide.source} renderLink={linkRenderer(guide.id)} />
				) : (
					<PageHeader
						title="Guide not found"
						description={`There is no guide called “${id}”. Pick one from the list.`}
					/>
				)}
			</article>
		</div>
	);
}

function GuideIndex({ current }: { current: string | undefined }) {
	return (
		<nav
			aria-label="Guides"
			className="mb-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 lg:sticky lg:top-8 lg:mb-0 lg:w-56 lg:shrink-0"
		>
			<h2 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">Guides</h2>
			<ul className="mt-2 space-y-1 text-sm">
				{GUIDES.map((g) => (
					<li key={g.id}>
						<Link
							to="/guides/$guide"
							params={{ guide: g.id }}
							aria-current={g.id === current ? "page" : undefined}
							className="block rounded-md px-2 py-1 text-slate-700 hover:bg-slate-100 aria-[current=page]:bg-indigo-50 aria-[current=page]:font-medium aria-[current=page]:text-indigo-700"
						>
							{g.title}
						</Link>
					</li>
				))}
			</ul>
		</nav>
	);
}

/** What a guide's links point to: another guide, a heading on this one, or the web. */
function linkRenderer(current: string): LinkRenderer {
	return (href: string, children: ReactNode) => {
		const local = /^([\w.-]+\.md)?(?:#([\w-]+))?$/.exec(href);
		if (local && (local[1] || local[2])) {
			const target = local[1] ? guideForFile(local[1])?.id : current;
			if (!target) return children;
			return (
				<Link to="/guides/$guide" params={{ guide: target }} hash={local[2]} className={linkClass}>
					{children}
				</Link>
			);
		}
		if (/^https?:\/\//.test(href)) {
			return (
				<a href={href} target="_blank" rel="noreferrer" className={linkClass}>
					{children}
				</a>
			);
		}
		return children;
	};
}
