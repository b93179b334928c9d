export { ApiServer } from './api-server.ts';
export type { ApiServerOptions } from './api-server.ts';
export { adHocLimits } from './api/ad-hoc-queries.ts';
