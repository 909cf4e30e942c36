/**
 * The dashboard's building blocks live in this folder, styled once with Tailwind so every page
 * looks and behaves alike: buttons, fields, cards and tables, badges and the loading, empty and
 * error states every page must show, and how values are written. Dialogs are Radix's
 * (components/confirm.tsx) for focus trapping and Escape. `cx` joins a block's own classes with
 * the ones a caller or a condition adds.
 */
export const cx = (...names: (string | false | null | undefined)[]) =>
	names.filter(Boolean).join(" ");
