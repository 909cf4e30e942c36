/**
 * An email's HTML, shown as the recipient would see it but unable to act: a sandboxed iframe
 * with no permissions at all (`sandbox=""`: no scripts, no forms, no popups, an opaque origin
 * that cannot read the dashboard's cookies or API), its content given by `srcdoc`.
 *
 * Remote images are blocked until asked for, as mail clients do: loading them tells the sender
 * (or a tracker in the email) that someone opened it, and from where. Their `src` is removed,
 * and a Content-Security-Policy at the top of the document blocks any other remote load
 * (CSS backgrounds, stylesheets, fonts) that the rewrite cannot see.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { Button } from "../ui/buttons.tsx";
import { Notice } from "../ui/status.tsx";

const REMOTE = /^\s*(?:https?:)?\/\//i;

const BLOCKED_POLICY =
	"default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; font-src data:";
const ALLOWED_POLICY =
	"default-src 'none'; img-src data: cid: http: https:; style-src 'unsafe-inline' http: https:; font-src data: http: https:";

/** The document for `srcdoc`, and how many remote images it blocked. */
export function prepareHtml(html: string, allowRemote: boolean): { doc: string; blocked: number } {
	// DOMParser builds an inert document: nothing in it runs or loads while it is rewritten.
	const parsed = new DOMParser().parseFromString(html, "text/html");
	let blocked = 0;
	for (const img of parsed.querySelectorAll("img, source, input[type=image]")) {
		const src = img.getAttribute("src") ?? "";
		const srcset = img.getAttribute("srcset") ?? "";
		const remote = REMOTE.test(src) || /(?:^|,)\s*(?:https?:)?\/\//i.test(srcset);
		if (!remote) continue;
		if (img.tagName === "IMG") blocked += 1;
		if (!allowRemote) {
			img.removeAttribute("src");
			img.removeAttribute("srcset");
		}
	}
	// Loads and navigations the policy does not govern: a refresh would replace the preview.
	for (const el of parsed.querySelectorAll(
		'meta[http-equiv="refresh" i], link[rel~="dns-prefetch" i], link[rel~="preconnect" i], link[rel~="prefetch" i]',
	)) {
		el.remove();
	}
	const meta = parsed.createElement("meta");
	meta.setAttribute("http-equiv", "Content-Security-Policy");
	meta.setAttribute("content", allowRemote ? ALLOWED_POLICY : BLOCKED_POLICY);
	// First in <head>, so the policy applies before anything the email itself puts there.
	parsed.head.prepend(meta);
	// A link must not replace the preview: with no popups allowed, open nothing.
	const base = parsed.createElement("base");
	base.setAttribute("target", "_blank");
	meta.after(base);
	return { doc: `<!DOCTYPE html>${parsed.documentElement.outerHTML}`, blocked };
}

export function HtmlPreview({ html }: { html: string }) {
	const [allowRemote, setAllowRemote] = useState(false);
	const { doc, blocked } = useMemo(() => prepareHtml(html, allowRemote), [html, allowRemote]);
	// The button goes away once pressed; keep keyboard focus where it was, not on <body>.
	const loaded = useRef<HTMLParagraphElement>(null);
	useEffect(() => {
		if (allowRemote) loaded.current?.focus();
	}, [allowRemote]);
	return (
		<div className="space-y-3">
			<div aria-live="polite">
				{blocked > 0 && !allowRemote ? (
					<Notice tone="yellow">
						<div className="flex flex-wrap items-center justify-between gap-2">
							<span>
								{blocked} remote image{blocked === 1 ? " is" : "s are"} blocked, so that viewing
								this email here does not tell anyone it was opened.
							</span>
							<Button tone="secondary" onClick={() => setAllowRemote(true)}>
								Load remote images
							</Button>
						</div>
					</Notice>
				) : allowRemote && blocked > 0 ? (
					<p ref={loaded} tabIndex={-1} className="text-sm text-slate-600">
						Remote images loaded.
					</p>
				) : null}
			</div>
			<iframe
				title="The email's HTML"
				sandbox=""
				srcDoc={doc}
				referrerPolicy="no-referrer"
				className="h-[32rem] w-full rounded-md bg-white ring-1 ring-slate-200"
			/>
		</div>
	);
}
