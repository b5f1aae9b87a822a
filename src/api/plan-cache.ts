/**
 * Plans by request shape (service or feature list, the two flags, entity key names), bounded. Looked up without
 * building a key string: a JSON.stringify of the shape per request was the largest single cost of ours in a small
 * read's profile (3.5%). Entries are found by the service name or first feature reference, then compared field by
 * field, so two shapes never share an entry whatever characters their names hold.
 */
import type { OnlineFeaturesRequest } from './online-request.js';

interface Entry<P> {
  bucket: string;
  full: boolean;
  meta: boolean;
  service: string | undefined;
  features: readonly string[] | undefined;
  entityKeys: readonly string[];
  plan: P;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `entities` has exactly `keys`, in that order (no array is built for it). */
function sameKeys(entities: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const key in entities) if (keys[i++] !== key) return false;
  return i === keys.length;
}

function bucketOf(request: OnlineFeaturesRequest): string {
  return request.feature_service ?? request.features?.[0] ?? '';
}

/**
 * Shapes kept per bucket: a client cycling through lists that start with the same feature must not make every
 * lookup of that bucket a long scan.
 */
const BUCKET_CAPACITY = 32;

export class PlanCache<P> {
  private readonly buckets = new Map<string, Array<Entry<P>>>();
  /** Entries oldest first, for eviction. */
  private readonly order: Array<Entry<P>> = [];

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.order.length;
  }

  get(request: OnlineFeaturesRequest): P | undefined {
    const bucket = this.buckets.get(bucketOf(request));
    if (!bucket) return undefined;
    for (const e of bucket) {
      if (
        e.full === request.full_feature_names &&
        e.meta === request.include_feature_view_version_metadata &&
        e.service === request.feature_service &&
        sameList(e.features, request.features) &&
        sameKeys(request.entities, e.entityKeys)
      ) {
        return e.plan;
      }
    }
    return undefined;
  }

  /** Adds the plan of a shape not cached yet; the oldest entry goes when the cache is full. */
  set(request: OnlineFeaturesRequest, entityKeys: readonly string[], plan: P): void {
    if (this.order.length >= this.capacity) this.evictOldest();
    const entry: Entry<P> = {
      bucket: bucketOf(request),
      full: request.full_feature_names,
      meta: request.include_feature_view_version_metadata,
      service: request.feature_service,
      // Copied: the request's own arrays belong to its body, which the caller may still change.
      features: request.features === undefined ? undefined : [...request.features],
      entityKeys: [...entityKeys],
      plan,
    };
    const bucket = this.buckets.get(entry.bucket);
    if (bucket && bucket.length >= BUCKET_CAPACITY) this.evict(bucket[0] as Entry<P>);
    const into = this.buckets.get(entry.bucket);
    if (into) into.push(entry);
    else this.buckets.set(entry.bucket, [entry]);
    this.order.push(entry);
  }

  private evictOldest(): void {
    const oldest = this.order[0];
    if (oldest) this.evict(oldest);
  }

  private evict(entry: Entry<P>): void {
    this.order.splice(this.order.indexOf(entry), 1);
    const bucket = this.buckets.get(entry.bucket) as Array<Entry<P>>;
    bucket.splice(bucket.indexOf(entry), 1);
    if (bucket.length === 0) this.buckets.delete(entry.bucket);
  }
}
