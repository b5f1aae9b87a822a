/**
 * The bodies of `POST /push` (Feast's PushFeaturesRequest) and `POST /write-to-online-store` (Feast's
 * WriteToFeatureStoreRequest). Unknown fields are ignored as pydantic ignores them (misspelt known ones are refused,
 * feast-fields.ts). `allow_registry_cache` and `transform_on_write` are accepted and ignored: the server serves the
 * registry it was started with (there is no registry cache to bypass), and Featureflow has no on-write
 * transformations (on-demand views compute at read time), so there is nothing to switch on or off.
 */
import { z } from 'zod';
import { formatPath } from '../registry/errors.js';
import { BadRequestError } from './errors.js';
import { refuseMisspeltFields } from './feast-fields.js';

export const PUSH_MODES = ['online', 'offline', 'online_and_offline'] as const;
export type PushMode = (typeof PUSH_MODES)[number];

const Df = z.record(z.string(), z.array(z.unknown(), { error: 'must be a list of values, one per row' }), {
  error: 'must be an object: column -> list of values (one per row)',
});
const Flag = z.boolean({ error: 'must be true or false' });
const body = { error: 'the body must be a JSON object' };

const PushSchema = z.object(
  {
    push_source_name: z.string({ error: 'must be the name of a push source' }).min(1, 'must not be empty'),
    df: Df,
    to: z.enum(PUSH_MODES, { error: `must be one of ${PUSH_MODES.join(', ')}` }).default('online'),
    allow_registry_cache: Flag.default(true),
    transform_on_write: Flag.default(true),
  },
  body,
);

const WriteSchema = z.object(
  {
    feature_view_name: z.string({ error: 'must be the name of a feature view' }).min(1, 'must not be empty'),
    df: Df,
    allow_registry_cache: Flag.default(true),
    transform_on_write: Flag.default(true),
  },
  body,
);

export type PushRequest = z.output<typeof PushSchema>;
export type WriteRequest = z.output<typeof WriteSchema>;

function parseWith<S extends z.ZodObject>(schema: S, input: unknown): z.output<S> {
  refuseMisspeltFields(input, Object.keys(schema.shape));
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => `${formatPath(issue.path) || '(body)'}: ${issue.message}`);
  throw new BadRequestError(`invalid request: ${problems.join('; ')}`);
}

export function parsePushRequest(input: unknown): PushRequest {
  return parseWith(PushSchema, input);
}

export function parseWriteRequest(input: unknown): WriteRequest {
  return parseWith(WriteSchema, input);
}
