export type * from './otlp-types.ts';
export { decodeProtobuf, decodeJson, encodeProtobuf, MalformedOtlpError } from './otlp-codec.ts';
export { requestToRows } from './rows/table-rows.ts';
export type { TableRows } from './rows/table-rows.ts';
export type { LogRow } from './rows/logs-rows.ts';
export type { TraceRow } from './rows/traces-rows.ts';
export { anyValueToString, attributesToMap, nanosToDateTime64 } from './rows/values.ts';
