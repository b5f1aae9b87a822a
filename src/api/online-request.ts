/**
 * The body of `POST /get-online-features` (SPEC section 4), Feast's GetOnlineFeaturesRequest, validated with zod so
 * every problem names its path (`entities.user_id[2]: ...`). Fields we do not know are ignored, as Feast's pydantic
 * model ignores them, so a newer Feast client that adds one still works; a field that looks like a misspelling of
 * a known one (`full_feature_name`) is refused instead, since ignoring it would silently change the answer.
 */
import { z } from 'zod';
import { formatPath } from '../registry/errors.js';
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
const EntityValue = z.union(
  [
    z
      .number()
      .refine(
        (n) => !Number.isInteger(n) || Number.isSafeInteger(n),
        'integers beyond 2^53 lose precision in JSON: send them as integer literals or strings',
      ),
    z.string(),
    z.boolean(),
  ],
  { error: (issue) => `must be a string, number or boolean, not ${describe(issue.input)}` },
);

const FeatureRef = z.string({ error: (issue) => `must be a string like "view:feature", not ${describe(issue.input)}` });

export const OnlineFeaturesRequestSchema = z
  .object(
    {
      // Feast's model defaults features to [] and its client sends `features: []`-less bodies with a service, but
      // other clients built from the model send both: an empty list next to a service means "the service".
      features: z.array(FeatureRef, { error: 'must be a list of feature references ("view:feature")' }).optional(),
      feature_service: z.string({ error: 'must be the name of a feature service' }).min(1, 'must not be empty').optional(),
      entities: z.record(
        z.string(),
        z.array(EntityValue, { error: 'must be a list of entity key values' }).min(1, 'must hold at least one value'),
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

export type OnlineFeaturesRequest = z.output<typeof OnlineFeaturesRequestSchema>;

/** Validates a parsed body; a BadRequestError lists each problem as `path: message`. */
export function parseOnlineFeaturesRequest(body: unknown): OnlineFeaturesRequest {
  refuseMisspeltFields(body, ONLINE_REQUEST_FIELDS);
  const result = OnlineFeaturesRequestSchema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => `${formatPath(issue.path) || '(body)'}: ${issue.message}`);
  const more = result.error.issues.length - problems.length;
  throw new BadRequestError(`invalid request: ${problems.join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value === undefined) return 'missing';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
}
