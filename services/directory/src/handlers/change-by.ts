import type { CallContext } from '../../../kit/src/grpc-server.js';
import type { ChangeMeta } from '../events/event-types.js';

/**
 * Who made an admin change (the operator, unless the request names someone) and under which request: the id
 * of the call, recorded with the change's activity entries and events.
 */
export const changeBy = (req: { actor: string }, call: CallContext): ChangeMeta => ({
  actor: req.actor || 'operator',
  requestId: call.requestId,
});
