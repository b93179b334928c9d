import { z } from 'zod';
import { ROLES } from '../auth/index.ts';
import { duration } from './duration.ts';

const port = z.number({ error: 'expected a port number' }).int({ error: 'expected a port number' }).min(0, { error: 'expected a port number' }).max(65535, { error: 'expected a port number' });
const host = z.string().min(1);
const positiveInt = z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' });

/** TLS for a listener: PEM files; with client_ca_file, clients must present a certificate it signed (mutual TLS). */
export const listenerTlsSchema = z
  .object({
    cert_file: z.string().min(1),
    key_file: z.string().min(1),
    client_ca_file: z.string().min(1).optional(),
  })
  .strict();

export const authSchema = z
  .object({
    /** Bearer tokens; when any is set (or VIGIL_AUTH_TOKEN), every endpoint but /healthz and /readyz needs one. */
    tokens: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a name of letters, digits, _ . -'),
            token: z.string().optional(),
            /** A file holding the token (a Kubernetes or systemd secret), read at startup. */
            token_file: z.string().min(1).optional(),
            roles: z.array(z.enum(ROLES)).min(1, { error: 'expected at least one of ingest, read, admin' }),
          })
          .strict()
          .superRefine((t, ctx) => {
            if ((t.token === undefined) === (t.token_file === undefined)) {
              ctx.addIssue({ code: 'custom', path: ['token'], message: 'set exactly one of token or token_file' });
            }
          }),
      )
      .default([])
      .superRefine((tokens, ctx) => {
        const seen = new Set<string>();
        tokens.forEach((t, i) => {
          if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate token name "${t.name}"` });
          seen.add(t.name);
        });
      }),
    /** Lets a listener bound beyond loopback start without tokens (protected some other way). */
    allow_anonymous: z.boolean().default(false),
  })
  .strict();

export const storeSchema = z
  .object({
    /** chdb: the embedded engine under data_dir; clickhouse: a server reached over HTTP at url. */
    kind: z.enum(['chdb', 'clickhouse']).default('chdb'),
    url: z.url().optional(),
    /** For an https:// url signed by a private CA; cert_file/key_file for mutual TLS. */
    tls: z
      .object({
        ca_file: z.string().min(1),
        cert_file: z.string().min(1).optional(),
        key_file: z.string().min(1).optional(),
      })
      .strict()
      .superRefine((tls, ctx) => {
        if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
          ctx.addIssue({ code: 'custom', path: [tls.cert_file === undefined ? 'cert_file' : 'key_file'], message: 'cert_file and key_file go together (mutual TLS)' });
        }
      })
      .optional(),
    username: z.string().default('default'),
    password: z.string().default(''),
    database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain identifier').default('default'),
    /** When set, DDL runs ON CLUSTER with Replicated engines. */
    cluster: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a cluster name').optional(),
    // DateTime ends in 2106: a TTL past it wraps and expires rows at once.
    ttl_days: positiveInt.max(18_250, { error: 'expected at most 18250 days (DateTime ends in 2106)' }).default(30),
    /**
     * Dedup window of every table (blocks remembered per table so a replay is dropped):
     * partitions × inserts_per_second × max_replay_delay, at least 1000; `window` sets it outright.
     */
    dedup: z
      .object({
        /** Planned batches (one insert per table each) per second per Kafka partition, at peak. */
        inserts_per_second: z.number().positive().default(5),
        /** Longest time between a batch's first attempt and its replay (session timeout, restarts, outages). */
        max_replay_delay: duration.default(600_000),
        window: positiveInt.max(10_000_000).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((store, ctx) => {
    if (store.kind === 'clickhouse' && !store.url) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'required when store.kind is "clickhouse"' });
    }
  });

const kafkaTlsSchema = z
  .object({
    ca_file: z.string().min(1).optional(),
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    /** Name the broker certificates must carry, when it differs from the broker host. */
    server_name: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((tls, ctx) => {
    if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
      ctx.addIssue({ code: 'custom', path: [tls.cert_file === undefined ? 'cert_file' : 'key_file'], message: 'cert_file and key_file go together (mutual TLS)' });
    }
  });

const kafkaSaslSchema = z
  .object({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
    username: z.string().min(1),
    password: z.string().min(1).optional(),
    password_file: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((sasl, ctx) => {
    if ((sasl.password === undefined) === (sasl.password_file === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'set exactly one of password or password_file' });
    }
  });

export const busSchema = z
  .object({
    kind: z.enum(['in_process', 'kafka']).default('in_process'),
    /** Bound on bytes accepted but not yet stored; above it receivers answer 503. */
    max_pending_bytes: positiveInt.default(64 * 1024 * 1024),
    kafka: z
      .object({
        brokers: z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).default([]),
        client_id: z.string().default('vigil'),
        topics: z
          .object({
            logs: z.string().default('otlp_logs'),
            metrics: z.string().default('otlp_metrics'),
            spans: z.string().default('otlp_spans'),
            dead_letter: z.string().default('vigil_dead_letter'),
          })
          .strict()
          .prefault({}),
        partitions: positiveInt.default(6),
        replication_factor: positiveInt.default(1),
        /** How long a dead processor holds its partitions before the group reassigns them. */
        session_timeout: duration.prefault('10s'),
        /** Messages per planned batch and partition (one insert per table per batch). */
        max_batch_messages: positiveInt.default(500),
        /**
         * Bytes the processor's consumer fetches per partition at a time, as stored in Kafka
         * (compressed: gzip makes typical logs ~6× larger in memory); one fetch brings at most
         * three partitions' worth and waits in memory until its batches are stored. 4 MiB of
         * gzip'd logs is about one planned batch of the default budget (processor.max_bytes_in_flight).
         */
        fetch_bytes_per_partition: positiveInt.default(4 * 1024 * 1024),
        /** Largest message the collector produces (the topic's max.message.bytes); larger OTLP requests are split by resource and scope. */
        max_message_bytes: positiveInt.default(1_000_000),
        /** How long a partition's first message waits for others to share its produce request; while one request is in flight the next one fills up regardless. */
        linger: duration.prefault('5ms'),
        /** Message bytes per produce request and partition, uncompressed (keep it under the broker's message.max.bytes). */
        batch_bytes: positiveInt.default(512 * 1024),
        /** Idempotent producers per process, each with its own connection and a share of the partitions, so one batch is compressed while another is in flight (at most the partition count is useful). Default: 2 with kafkajs, 1 with platformatic (measured best for each). */
        producers: positiveInt.max(16).optional(),
        /** The producer's client library: kafkajs, or @platformatic/kafka. Consumers use kafkajs. */
        client: z.enum(['kafkajs', 'platformatic']).default('kafkajs'),
        /** gzip level of the produce batches, 1 (fastest) to 9 (smallest); unset: 3 (see core/bus/kafka/kafkajs-gzip.ts). kafkajs producer only. */
        compression_level: z.number().int().min(1, 'expected a gzip level from 1 to 9').max(9, 'expected a gzip level from 1 to 9').optional(),
        /** TLS to the brokers (present = on); ca_file for a private CA, cert_file/key_file for mutual TLS. */
        tls: kafkaTlsSchema.optional(),
        /** SASL authentication (over TLS unless the network is trusted). */
        sasl: kafkaSaslSchema.optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((bus, ctx) => {
    if (bus.kind === 'kafka' && bus.kafka.brokers.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['kafka', 'brokers'], message: 'at least one broker is required when bus.kind is "kafka"' });
    }
    if (bus.kafka.compression_level !== undefined && bus.kafka.client === 'platformatic') {
      ctx.addIssue({ code: 'custom', path: ['kafka', 'compression_level'], message: 'only the kafkajs producer takes a gzip level (@platformatic/kafka compresses at zlib\'s default)' });
    }
  });

export const filelogSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Globs of files to tail; include rotated names (app.log*) so rotation loses nothing. */
    include: z.array(z.string().min(1)).default([]),
    exclude: z.array(z.string().min(1)).default([]),
    /** For files never seen before: read them whole, or only what is written from now on. */
    start_at: z.enum(['beginning', 'end']).default('end'),
    poll_interval: duration.prefault('250ms'),
    /** File identity: a hash of this many first bytes (not the name), so renames are followed. */
    fingerprint_bytes: positiveInt.default(1000),
    /** Longer lines are cut to this, and counted. */
    max_line_bytes: positiveInt.default(1024 * 1024),
    /** Bytes read per batch and file; a batch is one durable delivery and one checkpoint. */
    max_batch_bytes: positiveInt.default(1024 * 1024),
    multiline: z
      .object({
        /** A line matching this starts a record; others continue the previous one. */
        line_start_pattern: z.string().min(1),
        max_lines: positiveInt.default(500),
        max_bytes: positiveInt.default(1024 * 1024),
        /** An unfinished record is sent after the file has been quiet this long. */
        flush_timeout: duration.prefault('1s'),
      })
      .strict()
      .optional(),
    parser: z
      .object({
        type: z.enum(['none', 'json', 'regex']).default('none'),
        /** Named groups become attributes; groups "timestamp", "severity" and "body" are special. */
        regex: z.string().optional(),
        timestamp_field: z.string().default('timestamp'),
        severity_field: z.string().default('level'),
        body_field: z.string().default('message'),
      })
      .strict()
      .prefault({})
      .superRefine((p, ctx) => {
        if (p.type === 'regex' && !p.regex) ctx.addIssue({ code: 'custom', path: ['regex'], message: 'required when type is "regex"' });
        if (p.regex) {
          try {
            new RegExp(p.regex);
          } catch (err) {
            ctx.addIssue({ code: 'custom', path: ['regex'], message: `invalid regex: ${(err as Error).message}` });
          }
        }
      }),
    service_name: z.string().default('filelog'),
  })
  .strict();

/** One Prometheus scrape job, in Prometheus's own field names (README: Prometheus). */
export const scrapeConfigSchema = z
  .object({
    job_name: z.string().min(1),
    scrape_interval: duration.prefault('1m'),
    /** The whole scrape (connect, answer, body) must finish within this; at most scrape_interval (default: 10s or the interval if shorter). */
    scrape_timeout: duration.optional(),
    metrics_path: z.string().startsWith('/', { error: 'expected a path starting with /' }).default('/metrics'),
    scheme: z.enum(['http', 'https']).default('http'),
    /** A scraped job/instance/target label wins over the target's (else it becomes exported_<name>). */
    honor_labels: z.boolean().default(false),
    static_configs: z
      .array(
        z
          .object({
            targets: z.array(z.string().regex(/^[^\s/:]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/, 'expected host:port')).min(1),
            labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string()).default({}),
          })
          .strict(),
      )
      .min(1),
    basic_auth: z
      .object({ username: z.string().min(1), password: z.string().optional(), password_file: z.string().min(1).optional() })
      .strict()
      .optional(),
    authorization: z
      .object({ type: z.string().default('Bearer'), credentials: z.string().optional(), credentials_file: z.string().min(1).optional() })
      .strict()
      .superRefine((a, ctx) => {
        if ((a.credentials === undefined) === (a.credentials_file === undefined)) ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'set exactly one of credentials or credentials_file' });
      })
      .optional(),
    tls_config: z
      .object({
        ca_file: z.string().min(1).optional(),
        cert_file: z.string().min(1).optional(),
        key_file: z.string().min(1).optional(),
        server_name: z.string().min(1).optional(),
        insecure_skip_verify: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /** A page larger than this (after gunzip) fails the scrape. */
    body_size_limit: positiveInt.default(10 * 1024 * 1024),
    /** A page with more samples than this fails the scrape. */
    sample_limit: positiveInt.default(100_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.scrape_timeout !== undefined && c.scrape_timeout > c.scrape_interval) ctx.addIssue({ code: 'custom', path: ['scrape_timeout'], message: 'must not be longer than scrape_interval' });
    if (c.basic_auth && c.authorization) ctx.addIssue({ code: 'custom', path: ['authorization'], message: 'set at most one of basic_auth and authorization' });
    if (c.basic_auth && c.basic_auth.password !== undefined && c.basic_auth.password_file !== undefined) ctx.addIssue({ code: 'custom', path: ['basic_auth', 'password'], message: 'set at most one of password or password_file' });
    const tls = c.tls_config;
    if (tls && (tls.cert_file === undefined) !== (tls.key_file === undefined)) ctx.addIssue({ code: 'custom', path: ['tls_config', tls.cert_file === undefined ? 'cert_file' : 'key_file'], message: 'cert_file and key_file go together' });
  })
  // As in Prometheus: an unset timeout is 10s, or the interval when that is shorter.
  .transform((c) => ({ ...c, scrape_timeout: c.scrape_timeout ?? Math.min(10_000, c.scrape_interval) }));

export const collectorSchema = z
  .object({
    otlp: z
      .object({
        enabled: z.boolean().default(true),
        host: host.default('127.0.0.1'),
        port: port.default(4318),
        /** Limit on the request body as sent (compressed). */
        max_request_bytes: positiveInt.default(16 * 1024 * 1024),
        /** Limit after gzip decompression: stops decompression bombs. */
        max_decompressed_bytes: positiveInt.default(64 * 1024 * 1024),
        /** Request bytes being read or decoded at once; beyond it, 503 + Retry-After before the body is read. */
        max_inflight_bytes: positiveInt.default(64 * 1024 * 1024),
        retry_after: duration.prefault('1s'),
        /**
         * Embedded mode: worker threads that transcode OTLP protobuf requests into rows, so the
         * main thread only reads sockets; 0 transcodes on the main thread; "auto" is one per core
         * beyond the first. Ignored over Kafka (the collector forwards bytes there).
         */
        transcode_workers: z.union([z.literal('auto'), z.number().int().min(0).max(64)]).default(0),
        /** Requests waiting for a free transcode worker; beyond it 503 + Retry-After (counted and logged). */
        transcode_queue: positiveInt.default(256),
        tls: listenerTlsSchema.optional(),
        /** OTLP/gRPC (the default protocol of the Python, Java and .NET SDKs); off with otlp.enabled too. */
        grpc: z
          .object({
            enabled: z.boolean().default(true),
            host: host.default('127.0.0.1'),
            port: port.default(4317),
            /** Largest message, after gzip decompression; larger ones get RESOURCE_EXHAUSTED. */
            max_recv_msg_bytes: positiveInt.default(16 * 1024 * 1024),
            tls: listenerTlsSchema.optional(),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    hostmetrics: z
      .object({
        enabled: z.boolean().default(true),
        interval: duration.prefault('10s'),
        heartbeat_interval: duration.prefault('1s'),
        host_name: z.string().optional(),
        /** Metrics kept while the bus refuses them; older batches beyond it are dropped and counted. */
        max_buffered_batches: positiveInt.default(360),
      })
      .strict()
      .prefault({}),
    filelog: filelogSchema.prefault({}),
    prometheus: z
      .object({
        scrape_configs: z.array(scrapeConfigSchema).default([]).superRefine((configs, ctx) => {
          const seen = new Set<string>();
          configs.forEach((c, i) => {
            if (seen.has(c.job_name)) ctx.addIssue({ code: 'custom', path: [i, 'job_name'], message: `duplicate job_name "${c.job_name}"` });
            seen.add(c.job_name);
          });
        }),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const processorSchema = z
  .object({
    batch: z
      .object({
        /** ClickHouse prefers thousands of rows per insert over many small ones. */
        max_rows: positiveInt.default(20_000),
        /**
         * How long rows wait for more when no insert of their table is running. 0 (group commit):
         * insert at once; rows arriving during an insert go in the next, sent when it finishes.
         */
        max_delay: duration.prefault('0ms'),
        /**
         * After an insert for several senders, how long its table's next insert may wait for as
         * many new rows as it stored: the senders it just answered sending again, so that clients
         * waiting for their 2xx share inserts instead of alternating in two halves. 0: off.
         */
        regroup_delay: duration.prefault('50ms'),
      })
      .strict()
      .prefault({}),
    /**
     * Bound on consumed-but-not-stored data: bytes of Kafka messages being stored plus the rows
     * encoded from them. When it is reached the consumer waits for inserts to finish (nothing
     * is dropped). A planned batch holds at most a quarter of it in message bytes, so one batch
     * inserts while the next is encoded. Memory besides it: one fetch (bus.kafka.fetch_bytes_per_partition).
     * 128 MiB: each insert costs the engine a large fixed share, so batches of ~45,000 log records
     * (a 64 MiB budget gave ~23,000) drain a backlog ~1.3x faster at ~25% less CPU per record,
     * for ~200 MB more peak RSS (README, Benchmarks).
     */
    max_bytes_in_flight: z
      .number()
      .int()
      .min(4 * 1024 * 1024, { error: 'must be at least 4194304 (4 MiB): a batch holds a quarter of it' })
      .default(128 * 1024 * 1024),
    /**
     * Kafka consumer group of the processors (default <client_id>-processor). Processors sharing
     * it split the partitions; one with a group of its own reads everything, e.g. each instance
     * of an HA alerts pair that keeps its own embedded store.
     */
    group_id: z.string().min(1).optional(),
  })
  .strict();

export const apiSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: host.default('127.0.0.1'),
    port: port.default(8080),
    tls: listenerTlsSchema.optional(),
    /** Host header values accepted (DNS-rebinding guard); loopback names and the bind address are always accepted. */
    allowed_hosts: z.array(z.string().min(1)).default([]),
    /** Origins given CORS access (e.g. https://grafana.example.com); none by default. */
    cors_origins: z.array(z.url()).default([]),
    query: z
      .object({
        max_execution_time: duration.prefault('30s'),
        max_result_rows: positiveInt.default(100_000),
        /** Bytes of result one query may return (the engine stops it beyond). */
        max_result_bytes: positiveInt.default(64 * 1024 * 1024),
        /** Memory one query may use in the engine. */
        max_memory_usage: positiveInt.default(1024 * 1024 * 1024),
        /** Threads one ad-hoc query may use, so ingest and rules keep CPU. */
        max_threads: positiveInt.default(1),
        /** Ad-hoc queries running at once; beyond it the API answers 429 with Retry-After. */
        max_concurrent: positiveInt.default(4),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const alertsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Rule files (YAML); relative paths are relative to the working directory. */
    rule_files: z.array(z.string().min(1)).default([]),
    /** Alertmanager-style routes, receivers and inhibit rules (YAML); without it alerts are logged. */
    notification_file: z.string().min(1).optional(),
    /** Several `vigil alerts` instances, one leading at a time through Kafka (bus.kafka.brokers). */
    ha: z.boolean().default(false),
  })
  .strict();

/** vigil's own metrics and traces, through the OpenTelemetry SDK (README: Self-telemetry). */
export const telemetrySchema = z
  .object({
    /** Off: no SDK, no /metrics, no self rows (OTEL_SDK_DISABLED=true does the same). */
    enabled: z.boolean().default(true),
    /** Export into vigil's own otel_metrics_* / otel_traces tables through its ingest path. */
    self_tables: z.boolean().default(true),
    /** How often metrics are collected into the tables. */
    interval: duration.prefault('15s'),
    /** Prometheus text format on the API server's GET /metrics. */
    prometheus: z.boolean().default(true),
    /** Share of ingest requests traced (root spans); 0 traces none. */
    trace_ratio: z.number({ error: 'expected a number from 0 to 1' }).min(0, { error: 'expected a number from 0 to 1' }).max(1, { error: 'expected a number from 0 to 1' }).default(0.01),
  })
  .strict();

export const configSchema = z
  .object({
    data_dir: z.string().min(1).default('./data'),
    log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** auto: readable lines when stdout is a terminal, JSON lines otherwise (--log-format). */
    log_format: z.enum(['auto', 'json', 'pretty']).default('auto'),
    store: storeSchema.prefault({}),
    bus: busSchema.prefault({}),
    collector: collectorSchema.prefault({}),
    processor: processorSchema.prefault({}),
    api: apiSchema.prefault({}),
    alerts: alertsSchema.prefault({}),
    telemetry: telemetrySchema.prefault({}),
    auth: authSchema.prefault({}),
  })
  .strict();

export type VigilConfig = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
