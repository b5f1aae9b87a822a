/** GET /health: liveness. Answers while the process runs, whatever Redis does, so an orchestrator never restarts
 * a healthy server because of a Redis outage (that is what /ready is for). */
import { jsonReply, type Handler } from '../context.js';

const OK = JSON.stringify({ status: 'ok' });

export const health: Handler = () => jsonReply(200, OK);
