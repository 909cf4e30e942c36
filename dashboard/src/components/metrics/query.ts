/** The metrics the page shows, as `api.account.metrics` answers them. */
import { api, type Schemas } from "../../api.ts";

export type Metrics = Schemas["Metrics"];
export type Period = "7" | "30";

export const fetchMetrics = (days: Period): Promise<Metrics> => api.account.metrics({ days });
