/**
 * The D1 schema, in drizzle, one file per part of the product under `src/db/schema/`:
 * accounts (and their keys, reviews, notices, BYOC), users (and sessions), domains (and
 * suppressions), emails (the log, its lookup rows and figures), webhooks. Migrations in
 * `migrations/` are generated from this file with `npm run db:generate`; never edit a migration
 * that has been applied.
 *
 * Conventions: ids are UUIDv7 strings. They sort by creation time, so `(account_id, id)` is the
 * keyset for newest-first pagination without OFFSET, and the 90-day purge is a range scan on the
 * primary key (no extra index to write on every insert). `emails`, the largest table, is keyed
 * by `seq` instead, an integer found from the id that keeps its order (src/db/queries/email-seq.ts).
 * Times are integer milliseconds since the epoch; lists of addresses and tags are JSON text.
 */
export * from "./schema/accounts.ts";
export * from "./schema/domains.ts";
export * from "./schema/email-statuses.ts";
export * from "./schema/emails.ts";
export * from "./schema/send-marks.ts";
export * from "./schema/users.ts";
export * from "./schema/webhooks.ts";
