export { transcodeRequest, referenceTranscode } from './transcode-request.ts';
export type { TranscodedRequest } from './transcode-request.ts';
export { rowCount } from './table-output.ts';
export type { EncodedRows } from './table-output.ts';
export { TABLE_COLUMNS, columnsOf } from './table-columns.ts';
