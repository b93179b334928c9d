import { resolve } from 'node:path';

export interface BannerInfo {
  api?: string;
  otlpHttp?: string;
  /** host:port of the OTLP/gRPC receiver, when this process runs one. */
  otlpGrpc?: string;
  dataDir: string;
  storeKind: string;
}

/**
 * The few lines a person at a terminal needs after `vigil start`: where to look, where to
 * send, where the data is, and the line to paste into a service's shell.
 */
export function formatBanner(info: BannerInfo): string {
  const rows: Array<[string, string]> = [];
  if (info.api) rows.push(['UI and API', `${info.api}/`]);
  if (info.otlpHttp) rows.push(['OTLP/HTTP', info.otlpHttp]);
  if (info.otlpGrpc) rows.push(['OTLP/gRPC', info.otlpGrpc]);
  rows.push(['Data', info.storeKind === 'chdb' ? resolve(info.dataDir) : `${info.storeKind} (data_dir ${resolve(info.dataDir)})`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = ['', '  vigil is running', '', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
  if (info.otlpHttp) {
    // http/protobuf is the one protocol every OpenTelemetry SDK speaks, so this pair always works.
    lines.push('', '  Point your services at it:', `    export OTEL_EXPORTER_OTLP_ENDPOINT=${info.otlpHttp}`, '    export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf');
    if (info.otlpGrpc) lines.push(`  or keep gRPC (the Python, Java and .NET default) with OTEL_EXPORTER_OTLP_ENDPOINT=${info.otlpGrpc}`);
  }
  lines.push('', '  Ctrl-C stops it (pending data is flushed first).', '');
  return lines.join('\n') + '\n';
}
