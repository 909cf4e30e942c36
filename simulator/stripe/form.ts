// Stripe's request encoding: form bodies with bracket notation (`line_items[0][price]=…`), as
// the SDK sends them, read into nested objects so the API routes can pick fields by path.

export type FormValue = string | FormObject;
export interface FormObject {
	[key: string]: FormValue;
}

/** Parses Stripe's form encoding: `a[b][0][c]=v` → `{a: {b: {"0": {c: "v"}}}}`. */
export function parseStripeForm(body: string): FormObject {
	const root: FormObject = {};
	// forEach, not for…of: scripts/ type-check the simulator without DOM.Iterable.
	new URLSearchParams(body).forEach((value, key) => {
		const [head = "", ...rest] = key.split("[");
		const path = [head, ...rest.map((part) => part.replace(/\]$/, ""))];
		let node = root;
		path.forEach((part, i) => {
			if (i === path.length - 1) {
				node[part] = value;
				return;
			}
			const next = node[part];
			if (typeof next === "object") node = next;
			else {
				const created: FormObject = {};
				node[part] = created;
				node = created;
			}
		});
	});
	return root;
}

function at(form: FormObject, path: string[]): FormValue | undefined {
	let node: FormValue | undefined = form;
	for (const part of path) node = typeof node === "object" ? node[part] : undefined;
	return node;
}

/** The string at `path`, or undefined when absent or not a string. */
export function field(form: FormObject, ...path: string[]): string | undefined {
	const node = at(form, path);
	return typeof node === "string" ? node : undefined;
}

/** The string members of the object at `path` (e.g. `metadata`). */
export function stringRecord(form: FormObject, ...path: string[]): Record<string, string> {
	const node = at(form, path);
	const out: Record<string, string> = {};
	if (typeof node === "object") {
		for (const [k, v] of Object.entries(node)) if (typeof v === "string") out[k] = v;
	}
	return out;
}

/**
 * The body as UTF-8. Not `text()`: workerd warns when a form-encoded body is read that way,
 * and every request the SDK sends is form-encoded.
 */
export async function bodyText(request: { arrayBuffer(): Promise<ArrayBuffer> }): Promise<string> {
	return new TextDecoder().decode(await request.arrayBuffer());
}
