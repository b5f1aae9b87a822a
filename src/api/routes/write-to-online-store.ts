/** POST /write-to-online-store (Feast's WriteToFeatureStoreRequest). Placeholder: answered 501 until implemented. */
import { jsonReply, type Handler } from '../context.js';

export const writeToOnlineStore: Handler = () => jsonReply(501, JSON.stringify({ error: { code: 'NOT_IMPLEMENTED', message: 'not implemented yet' } }));
