import { createHash } from 'node:crypto';
import type { RuntimeAlert } from '../types.ts';

/**
 * A stable alert id: SHA-256 over rule id, uniqueID (already the md5 of the rule's uniqueId
 * expression), container id, alert timestamp and the triggering event's sequence number in its
 * source (`origin`, e.g. `ndjson:/x#41`). The same event replayed through the same rules yields the
 * same id, so a receiver can de-duplicate across retries and agent restarts. Returned as 32 hex chars.
 */
export function computeAlertId(alert: Pick<RuntimeAlert, 'ruleID' | 'uniqueID' | 'containerID' | 'timestamp'>, origin: string): string {
  const h = createHash('sha256');
  h.update([alert.ruleID, alert.uniqueID, alert.containerID, alert.timestamp, origin].join('\u0000'));
  return h.digest('hex').slice(0, 32);
}
