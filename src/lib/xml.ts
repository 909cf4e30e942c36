/**
 * The text of the first `<tag>…</tag>` in an AWS Query API answer (SES v1, STS): small, flat
 * XML whose values hold only the five predefined entities, so no XML parser is needed.
 */
export function xmlText(xml: string, tag: string): string | undefined {
	const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
	return match?.[1]
		?.replaceAll("&lt;", "<")
		.replaceAll("&gt;", ">")
		.replaceAll("&quot;", '"')
		.replaceAll("&apos;", "'")
		.replaceAll("&amp;", "&");
}
