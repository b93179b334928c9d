import { describe, expect, it } from 'vitest';
import { endpointFor, pointsAtSelf, wantsOtlp } from './otlp-from-env.ts';

describe('which OTEL_* settings send vigil telemetry over OTLP', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://collector:4318/v1/metrics' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, false],
    [{ OTEL_METRICS_EXPORTER: 'otlp' }, true],
    [{ OTEL_METRICS_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_METRICS_EXPORTER: 'prometheus,otlp' }, true],
  ])('metrics for %j: %s', (env, want) => expect(wantsOtlp(env, 'metrics')).toBe(want));

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }, 'metrics', 'http://c:4318/v1/metrics'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'traces', 'http://c:4318'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'metrics', 'http://localhost:4317'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://x/t' }, 'traces', 'https://x/t'],
    [{}, 'traces', 'http://localhost:4318/v1/traces'],
  ] as const)('endpoint for %j %s is %s', (env, signal, want) => expect(endpointFor(env, signal)).toBe(want));

  it.each([
    ['http://localhost:4318/v1/metrics', [4318], true],
    ['http://127.0.0.1:4317', [4318, 4317], true],
    ['http://[::1]:4318/v1/traces', [4318], true],
    ['http://collector:4318/v1/metrics', [4318], false],
    ['http://localhost:14318/v1/metrics', [4318], false],
    ['not a url', [4318], false],
  ] as const)('%s points at own ports %j: %s', (endpoint, ports, want) => expect(pointsAtSelf(endpoint, ports)).toBe(want));
});
