export { createServer, schemeOf, TlsConfigError } from './create-server.ts';
export type { ListenerTls } from './create-server.ts';
