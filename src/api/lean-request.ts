/**
 * The common /get-online-features body checked by hand: a plain object of known fields, `features` as a list of
 * strings or a `feature_service` name, equal-length entity columns of strings, booleans and safe numbers. zod's
 * schema (online-request.ts) costs ~3% of a small read's CPU; for the bodies nearly every client sends, this gives
 * the same request object for a fraction of it. Anything else, valid or not, is left to the schema (undefined), so
 * what is refused and every error message stay those of online-request.ts.
 */
import type { ONLINE_REQUEST_FIELDS, OnlineFeaturesRequest } from './online-request.js';

/** ONLINE_REQUEST_FIELDS, as a switch: a Set lookup per field was a visible share of this check. */
function isKnownField(key: string): key is (typeof ONLINE_REQUEST_FIELDS)[number] {
  switch (key) {
    case 'entities':
    case 'features':
    case 'feature_service':
    case 'full_feature_names':
    case 'include_feature_view_version_metadata':
      return true;
    default:
      return false;
  }
}

/** Strings, booleans, and numbers the schema accepts (not integers beyond 2^53, which lost their digits). */
function isEntityValue(value: unknown): boolean {
  const type = typeof value;
  if (type === 'string' || type === 'boolean') return true;
  return type === 'number' && (Number.isSafeInteger(value) || !Number.isInteger(value));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Entity columns the schema accepts as they are: at least one key, equal lengths of at least one value. */
function leanEntities(entities: unknown): boolean {
  if (!isPlainObject(entities)) return false;
  let rows = -1;
  for (const key in entities) {
    // JSON.parse makes `__proto__` an own key; the schema's own handling of it decides.
    if (key === '__proto__') return false;
    const column = entities[key];
    if (!Array.isArray(column) || column.length === 0 || (rows >= 0 && column.length !== rows)) return false;
    rows = column.length;
    for (let i = 0; i < column.length; i++) if (!isEntityValue(column[i])) return false;
  }
  return rows > 0;
}

function isStringList(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
}

/**
 * The validated request when `body` has the common shape, equal to what parseOnlineFeaturesRequest returns for it;
 * undefined for anything else (the caller validates it with the schema then).
 */
export function leanOnlineRequest(body: unknown): OnlineFeaturesRequest | undefined {
  if (!isPlainObject(body)) return undefined;
  // Unknown fields go to the schema: it strips them, or refuses them as misspellings (feast-fields.ts).
  for (const key in body) if (!isKnownField(key)) return undefined;
  const { features, feature_service: service, entities, full_feature_names: full, include_feature_view_version_metadata: meta } = body;
  if ((full !== undefined && typeof full !== 'boolean') || (meta !== undefined && typeof meta !== 'boolean')) return undefined;
  if (!leanEntities(entities)) return undefined;
  const full_feature_names = full ?? false;
  const include_feature_view_version_metadata = meta ?? false;
  const columns = entities as OnlineFeaturesRequest['entities'];
  if (features !== undefined && !isStringList(features)) return undefined;
  const listed = features !== undefined && features.length > 0;
  if (service === undefined) return listed ? { entities: columns, full_feature_names, include_feature_view_version_metadata, features } : undefined;
  // A service next to a non-empty list, or an empty name, is the schema's to refuse.
  if (listed || typeof service !== 'string' || service.length === 0) return undefined;
  return { entities: columns, full_feature_names, include_feature_view_version_metadata, feature_service: service };
}
