/** Times are stored as epoch milliseconds and shown in ISO 8601 UTC, as Resend shows them. */
export const toIso = (ms: number) => new Date(ms).toISOString();
export const toIsoOrNull = (ms: number | null | undefined) => (ms == null ? null : toIso(ms));

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
