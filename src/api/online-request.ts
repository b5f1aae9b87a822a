/**
 * The body of `POST /get-online-features` (SPEC section 4), validated with zod so every problem names its path
 * (`entities.user_id[2]: ...`). Unknown top-level fields are refused: a typo such as `full_feature_name` would
 * otherwise silently change the response's column names.
 */
import { z } from 'zod';
import { formatPath } from '../registry/errors.js';
import { BadRequestError } from './errors.js';

/** An entity key value as JSON can carry it; whether it fits the key's type is the online store's check. */
const EntityValue = z.union(
  [
    z
      .number()
      .refine(
        (n) => !Number.isInteger(n) || Number.isSafeInteger(n),
        'integers beyond 2^53 lose precision in JSON: send them as strings',
      ),
    z.string(),
    z.boolean(),
  ],
  { error: (issue) => `must be a string, number or boolean, not ${describe(issue.input)}` },
);

const FeatureRef = z.string({ error: (issue) => `must be a string like "view:feature", not ${describe(issue.input)}` });

export const OnlineFeaturesRequestSchema = z
  .strictObject(
    {
      features: z
        .array(FeatureRef, { error: 'must be a list of feature references ("view:feature")' })
        .min(1, 'must list at least one feature')
        .optional(),
      feature_service: z.string({ error: 'must be the name of a feature service' }).min(1, 'must not be empty').optional(),
      entities: z.record(
        z.string(),
        z.array(EntityValue, { error: 'must be a list of entity key values' }).min(1, 'must hold at least one value'),
        { error: 'must be an object: join key -> list of values' },
      ),
      full_feature_names: z.boolean({ error: 'must be true or false' }).default(false),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'the body must be a JSON object') },
  )
  .superRefine((body, ctx) => {
    if (body.features !== undefined && body.feature_service !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['feature_service'], message: 'send either features or feature_service, not both' });
    } else if (body.features === undefined && body.feature_service === undefined) {
      ctx.addIssue({ code: 'custom', path: ['features'], message: 'send features (["view:feature", ...]) or feature_service' });
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
  });

export type OnlineFeaturesRequest = z.output<typeof OnlineFeaturesRequestSchema>;

/** Validates a parsed body; a BadRequestError lists each problem as `path: message`. */
export function parseOnlineFeaturesRequest(body: unknown): OnlineFeaturesRequest {
  const result = OnlineFeaturesRequestSchema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const where = formatPath(issue.path) || '(body)';
    if (issue.code === 'unrecognized_keys') {
      return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` +
        ' (expected features or feature_service, entities, full_feature_names)';
    }
    return `${where}: ${issue.message}`;
  });
  const more = result.error.issues.length - problems.length;
  throw new BadRequestError(`invalid request: ${problems.join('; ')}${more > 0 ? `; and ${more} more` : ''}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value === undefined) return 'missing';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
}
