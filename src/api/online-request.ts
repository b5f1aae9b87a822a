/**
 * The body of `POST /get-online-features` (SPEC section 4), Feast's GetOnlineFeaturesRequest, validated with zod so
 * every problem names its path (`entities.user_id[2]: ...`). Fields we do not know are ignored, as Feast's pydantic
 * model ignores them, so a newer Feast client that adds one still works; a field that looks like a misspelling of
 * a known one (`full_feature_name`) is refused instead, since ignoring it would silently change the answer.
 */
import { z } from 'zod';
import { formatPath } from '../registry/errors.js';
import { yieldToEventLoop } from './admission.js';
import { BadRequestError } from './errors.js';
import { refuseMisspeltFields } from './feast-fields.js';

/** Every field of Feast 0.67's GetOnlineFeaturesRequest. */
export const ONLINE_REQUEST_FIELDS = [
  'entities',
  'features',
  'feature_service',
  'full_feature_names',
  'include_feature_view_version_metadata',
] as const;

/**
 * An entity key value as JSON can carry it; whether it fits the key's type is the online store's check. Integer
 * literals beyond 2^53 arrive as decimal strings (parseJson keeps their digits), so a number that is an unsafe
 * integer here was written as a float (`1e20`) and lost its digits before it reached us.
 */
const UNSAFE_INTEGER = 'integers beyond 2^53 lose precision in JSON: send them as integer literals or strings';
const EntityValue = z.union(
  [z.number().refine((n) => !Number.isInteger(n) || Number.isSafeInteger(n), UNSAFE_INTEGER), z.string(), z.boolean()],
  { error: (issue) => `must be a string, number or boolean, not ${describe(issue.input)}` },
);

const FeatureRef = z.string({ error: (issue) => `must be a string like "view:feature", not ${describe(issue.input)}` });

/** The request schema with `value` for each entity value (EntityValue, or anything for a sliced check). */
const requestSchema = <V extends z.ZodType>(value: V) => z
  .object(
    {
      // Feast's model defaults features to [] and its client sends `features: []`-less bodies with a service, but
      // other clients built from the model send both: an empty list next to a service means "the service".
      features: z.array(FeatureRef, { error: 'must be a list of feature references ("view:feature")' }).optional(),
      feature_service: z.string({ error: 'must be the name of a feature service' }).min(1, 'must not be empty').optional(),
      entities: z.record(
        z.string(),
        z.array(value, { error: 'must be a list of entity key values' }).min(1, 'must hold at least one value'),
        { error: 'must be an object: join key -> list of values' },
      ),
      full_feature_names: z.boolean({ error: 'must be true or false' }).default(false),
      include_feature_view_version_metadata: z.boolean({ error: 'must be true or false' }).default(false),
    },
    { error: 'the body must be a JSON object' },
  )
  .superRefine((body, ctx) => {
    const listed = body.features !== undefined && body.features.length > 0;
    if (listed && body.feature_service !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['feature_service'], message: 'send either features or feature_service, not both' });
    } else if (!listed && body.feature_service === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['features'],
        message: body.features === undefined ? 'send features (["view:feature", ...]) or feature_service' : 'must list at least one feature',
      });
    }
    const columns = Object.entries(body.entities);
    if (columns.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['entities'], message: 'must name at least one join key' });
      return;
    }
    const [firstKey, firstValues] = columns[0] as [string, unknown[]];
    for (const [key, values] of columns) {
      if (values.length !== firstValues.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['entities', key],
          message: `has ${values.length} values but entities.${firstKey} has ${firstValues.length}: every join key needs one value per entity`,
        });
      }
    }
  })
  // One shape downstream: features only when no service is named, so `features: []` beside a service is the service.
  .transform(({ features, feature_service, ...rest }): typeof rest & { features?: string[]; feature_service?: string } =>
    feature_service !== undefined ? { ...rest, feature_service } : { ...rest, features: features ?? [] },
  );

export const OnlineFeaturesRequestSchema = requestSchema(EntityValue);
const UncheckedValuesSchema = requestSchema(z.unknown());

export type OnlineFeaturesRequest = z.output<typeof OnlineFeaturesRequestSchema>;

/** Validates a parsed body; a BadRequestError lists each problem as `path: message`. */
export function parseOnlineFeaturesRequest(body: unknown): OnlineFeaturesRequest {
  refuseMisspeltFields(body, ONLINE_REQUEST_FIELDS);
  const result = OnlineFeaturesRequestSchema.safeParse(body);
  if (result.success) return result.data;
  throw invalid(result.error.issues);
}

/** Entity values checked per slice; checking 100k values through zod's union holds the event loop for ~20 ms. */
const VALUES_PER_SLICE = 5000;

/**
 * parseOnlineFeaturesRequest for requests of any size: the same checks and messages, but beyond VALUES_PER_SLICE
 * entity values the values are checked by hand a slice at a time, yielding to other requests in between (their
 * problems are listed after any problem of the request's shape, which zod reports first).
 */
export async function parseOnlineFeaturesRequestSliced(body: unknown): Promise<OnlineFeaturesRequest> {
  const entities = typeof body === 'object' && body !== null ? (body as { entities?: unknown }).entities : undefined;
  const columns = typeof entities === 'object' && entities !== null ? Object.values(entities) : [];
  const values = columns.reduce((n: number, c) => n + (Array.isArray(c) ? c.length : 0), 0);
  if (values <= VALUES_PER_SLICE) return parseOnlineFeaturesRequest(body);
  refuseMisspeltFields(body, ONLINE_REQUEST_FIELDS);
  const result = UncheckedValuesSchema.safeParse(body);
  if (!result.success) throw invalid(result.error.issues);
  const issues: Array<{ path: PropertyKey[]; message: string }> = [];
  let checked = 0;
  for (const [key, column] of Object.entries(result.data.entities)) {
    for (let i = 0; i < column.length; i++) {
      if (++checked % VALUES_PER_SLICE === 0) await yieldToEventLoop();
      const problem = entityValueProblem(column[i]);
      if (problem !== undefined) issues.push({ path: ['entities', key, i], message: problem });
    }
  }
  if (issues.length > 0) throw invalid(issues);
  return result.data as OnlineFeaturesRequest;
}

/** What EntityValue says about a value, or undefined when it accepts it. */
function entityValueProblem(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return !Number.isInteger(value) || Number.isSafeInteger(value) ? undefined : UNSAFE_INTEGER;
  return `must be a string, number or boolean, not ${describe(value)}`;
}

function invalid(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>): BadRequestError {
  const problems = issues.slice(0, 5).map((issue) => `${formatPath(issue.path) || '(body)'}: ${issue.message}`);
  const more = issues.length - problems.length;
  return new BadRequestError(`invalid request: ${problems.join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value === undefined) return 'missing';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
}
