/** POST /materialize and /materialize-incremental (Feast's request shapes) as Temporal workflow starts. Placeholder: answered 501 until implemented. */
import { jsonReply, type Handler } from '../context.js';

export const materialize: Handler = () => jsonReply(501, JSON.stringify({ error: { code: 'NOT_IMPLEMENTED', message: 'not implemented yet' } }));

export const materializeIncremental: Handler = () =>
  jsonReply(501, JSON.stringify({ error: { code: 'NOT_IMPLEMENTED', message: 'not implemented yet' } }));
