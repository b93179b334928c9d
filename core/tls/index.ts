export { createServer, schemeOf } from './create-server.ts';
export { readTlsFiles, type TlsFiles } from './read-tls-files.ts';
export { TlsConfigError, type ListenerTls } from './tls-config.ts';
