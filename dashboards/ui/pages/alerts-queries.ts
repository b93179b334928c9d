import type { Query } from '../api-client.ts';
import { rangeParams, type TimeRange } from '../time-range.ts';

const RANGE = 'at >= fromUnixTimestamp64Milli(toInt64({from_ms:String})) AND at <= fromUnixTimestamp64Milli(toInt64({to_ms:String}))';

/** State transitions in the range, newest first (vigil_alerts keeps every one). */
export function alertHistoryQuery(range: TimeRange): Query {
  return {
    sql: `SELECT toUnixTimestamp64Milli(at) AS ms, rule, labels, from_state, to_state, value
FROM vigil_alerts WHERE ${RANGE}
ORDER BY at DESC LIMIT 300`,
    params: rangeParams(range),
  };
}

/** A rule's value at each transition, per alert (fingerprint), for its chart. */
export function ruleValueQuery(rule: string, range: TimeRange): Query {
  return {
    sql: `SELECT intDiv(toUnixTimestamp(at), toUInt32({step:String})) * toUInt32({step:String}) AS t, fingerprint AS k, max(value) AS v
FROM vigil_alerts WHERE rule = {rule:String} AND ${RANGE}
GROUP BY t, k ORDER BY t`,
    params: { ...rangeParams(range), rule },
  };
}
