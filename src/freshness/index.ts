/** Freshness of online views: computation, the alert rule, what an alert says and how it is delivered. */
export { computeFreshness, selectFreshnessViews, ViewNotMaterializedError, type ComputeFreshnessOptions, type FreshnessSource } from './compute.js';
export { freshnessEntry, freshnessStatus, maxStalenessSeconds } from './status.js';
export { alertDue, alertedStatus, alertsDue, type DueAlert } from './transition.js';
export { alertLog, alertPayload, alertText, webhookOrigin, type FreshnessAlertLog, type FreshnessAlertPayload } from './alert.js';
export { AlertDeliveryError, postAlert, type PostAlertOptions } from './webhook.js';
export { durationText } from './duration-text.js';
