/** PLACEHOLDER (being written): `featureflow freshness`. */
import { FeatureflowError } from '../../registry/errors.js';

export async function run(_args: string[]): Promise<number> {
  throw new FeatureflowError('NOT_IMPLEMENTED', 'featureflow freshness is not implemented yet');
}
