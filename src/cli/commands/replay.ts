/** PLACEHOLDER (being written): `featureflow replay`. */
import { FeatureflowError } from '../../registry/errors.js';

export async function run(_args: string[]): Promise<number> {
  throw new FeatureflowError('NOT_IMPLEMENTED', 'featureflow replay is not implemented yet');
}
