/**
 * The one table of ClickHouse error codes both stores (ClickHouseStore over HTTP, ChdbStore
 * embedded) classify failures by. Allow-list of the permanent ones: a statement that cannot be
 * parsed, a value of the wrong type, a read the user may not do. Everything else — memory
 * pressure, timeouts, too many parts, network, replicas, codes we do not know — is worth another
 * try with backoff, because refusing it for good turns a passing condition into 400s and dead
 * letters, i.e. loss.
 */
export type ErrorClass = 'permanent' | 'retryable';

/** What the failing call was: writes (inserts, DDL) or reads (rule and API queries). */
export type StoreCallKind = 'write' | 'read';

/** Codes that mean the statement or its data is wrong: the same call fails again. */
const PERMANENT = new Map<number, string>([
  [6, 'CANNOT_PARSE_TEXT'],
  [16, 'NO_SUCH_COLUMN_IN_TABLE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [32, 'ATTEMPT_TO_READ_AFTER_EOF'],
  [33, 'CANNOT_READ_ALL_DATA'],
  [35, 'TOO_MANY_ARGUMENTS_FOR_FUNCTION'],
  [36, 'BAD_ARGUMENTS'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [42, 'NUMBER_OF_ARGUMENTS_DOESNT_MATCH'],
  [43, 'ILLEGAL_TYPE_OF_ARGUMENT'],
  [44, 'ILLEGAL_COLUMN'],
  [46, 'UNKNOWN_FUNCTION'],
  [47, 'UNKNOWN_IDENTIFIER'],
  [48, 'NOT_IMPLEMENTED'],
  [50, 'UNKNOWN_TYPE'],
  [53, 'TYPE_MISMATCH'],
  [62, 'SYNTAX_ERROR'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [73, 'UNKNOWN_FORMAT'],
  [115, 'UNKNOWN_SETTING'],
  [117, 'INCORRECT_DATA'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [164, 'READONLY'],
  [168, 'TOO_DEEP_AST'],
  [190, 'SIZES_OF_ARRAYS_DONT_MATCH'],
  [215, 'NOT_AN_AGGREGATE'],
  [307, 'TOO_MANY_BYTES'],
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [352, 'AMBIGUOUS_COLUMN_NAME'],
  [396, 'TOO_MANY_ROWS_OR_BYTES'],
  [407, 'DECIMAL_OVERFLOW'],
  [457, 'BAD_QUERY_PARAMETER'],
  [456, 'UNKNOWN_QUERY_PARAMETER'],
  [497, 'ACCESS_DENIED'],
  [516, 'AUTHENTICATION_FAILED'],
]);

/**
 * Codes that are a state of the cluster, not of the statement, while DDL propagates: retried
 * for writes (the table appears once ON CLUSTER reaches this replica), permanent for reads
 * (a user's query naming a table that does not exist).
 */
const SCHEMA_PROPAGATING = new Map<number, string>([
  [60, 'UNKNOWN_TABLE'],
  [81, 'UNKNOWN_DATABASE'],
]);

/**
 * Named here so the table documents them and a test pins them: retryable with backoff. Any code
 * in neither list is retryable too.
 */
export const RETRYABLE = new Map<number, string>([
  [159, 'TIMEOUT_EXCEEDED'],
  [160, 'TOO_SLOW'],
  [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  [209, 'SOCKET_TIMEOUT'],
  [210, 'NETWORK_ERROR'],
  [241, 'MEMORY_LIMIT_EXCEEDED'],
  [242, 'TABLE_IS_READ_ONLY'],
  [252, 'TOO_MANY_PARTS'],
  [285, 'TOO_FEW_LIVE_REPLICAS'],
  [319, 'UNKNOWN_STATUS_OF_INSERT'],
  [394, 'QUERY_WAS_CANCELLED'],
  [425, 'SYSTEM_ERROR'],
  [999, 'KEEPER_EXCEPTION'],
]);

export function classifyCode(code: number | undefined, kind: StoreCallKind = 'write'): ErrorClass {
  if (code === undefined) return 'retryable'; // no code: a connection or driver failure
  if (PERMANENT.has(code)) return 'permanent';
  if (SCHEMA_PROPAGATING.has(code)) return kind === 'write' ? 'retryable' : 'permanent';
  return 'retryable';
}

export function isPermanentCode(code: number | undefined, kind: StoreCallKind = 'write'): boolean {
  return classifyCode(code, kind) === 'permanent';
}

/** The engine's name for a code, for logs and metrics labels (a bounded set). */
export function codeName(code: number | undefined): string {
  if (code === undefined) return 'NO_CODE';
  return PERMANENT.get(code) ?? SCHEMA_PROPAGATING.get(code) ?? RETRYABLE.get(code) ?? `CODE_${code}`;
}

/** Extracts "Code: N" from an engine message. */
export function engineCode(message: string): number | undefined {
  const match = /Code: (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}
