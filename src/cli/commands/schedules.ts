/** PLACEHOLDER (being written): `featureflow schedules`. */
import { FeatureflowError } from '../../registry/errors.js';

export async function run(_args: string[]): Promise<number> {
  throw new FeatureflowError('NOT_IMPLEMENTED', 'featureflow schedules is not implemented yet');
}
