import { join } from 'node:path';
import { assertExposureAllowed, createAuthorizer, loadTokens, type Authorizer } from '../core/auth/index.ts';
import { InProcessBus, KafkaBus, kafkaSecurity, type Bus, type OutgoingMessage } from '../core/bus/index.ts';
import type { VigilConfig } from '../core/config/index.ts';
import { encodeProtobuf, type ExportMetricsServiceRequest, type Signal } from '../core/model/index.ts';
import { createStore, migrate, schemaOptions, type Store } from '../core/store/index.ts';
import type { Logger } from '../core/telemetry/index.ts';
import { FilelogReceiver } from '../collector/filelog/index.ts';
import { HostMetricsReceiver } from '../collector/hostmetrics/index.ts';
import { OtlpReceiver } from '../collector/otlp/index.ts';
import { OtlpGrpcReceiver } from '../collector/otlp-grpc/index.ts';
import { TranscodePool, transcodeWorkerCount } from '../collector/transcode-pool/index.ts';
import { PrometheusReceiver } from '../collector/prometheus/index.ts';
import { Router } from 'express';
import {
  AlertsEngine,
  alertsRouter,
  createNotificationPipeline,
  loadNotificationConfig,
  LoggingNotifier,
  loadRuleFiles,
  KafkaLeadership,
  processorCaughtUp,
  KafkaHookReplica,
  hooksRouter,
  silencesRouter,
  type Notifier,
} from '../alerts/index.ts';
import { systemClock } from '../core/clock/index.ts';
import { adHocLimits, ApiServer } from '../dashboards/index.ts';
import { Processor } from '../processor/index.ts';
import { InstanceTelemetry } from './instance-telemetry.ts';

interface Component {
  start(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Which parts of vigil this process runs: all of them (`vigil start`) or one role (distributed). */
export interface Roles {
  collector: boolean;
  processor: boolean;
  alerts: boolean;
  api: boolean;
}

export const ALL_ROLES: Roles = { collector: true, processor: true, alerts: true, api: true };

/** The components of one vigil process, started downstream first, stopped upstream first. */
export class VigilInstance {
  readonly store?: Store;
  readonly bus?: Bus;
  readonly processor?: Processor;
  readonly otlp?: OtlpReceiver;
  readonly otlpGrpc?: OtlpGrpcReceiver;
  readonly transcodePool?: TranscodePool;
  readonly hostMetrics?: HostMetricsReceiver;
  readonly filelog?: FilelogReceiver;
  readonly prometheus?: PrometheusReceiver;
  readonly api?: ApiServer;
  alerts?: AlertsEngine;
  private readonly apiRoutes: Router[] = [];
  private ready = false;
  private started: Component[] = [];

  constructor(
    readonly config: VigilConfig,
    private readonly logger: Logger,
    readonly roles: Roles = ALL_ROLES,
  ) {
    // Tokens are read (token_file, VIGIL_AUTH_TOKEN) once, here; a bad one fails startup with its path.
    const auth: { authorizer: Authorizer; allowAnonymous: boolean } = {
      authorizer: createAuthorizer(loadTokens(config.auth.tokens)),
      allowAnonymous: config.auth.allow_anonymous,
    };
    // Checked here as well as when each listener starts, so the refusal comes before the engine loads.
    const exposure = { enabled: auth.authorizer.enabled, allowAnonymous: auth.allowAnonymous };
    if (roles.api && config.api.enabled) assertExposureAllowed({ name: 'API', setting: 'api.host', host: config.api.host }, exposure);
    if (roles.collector && config.collector.otlp.enabled) {
      assertExposureAllowed({ name: 'OTLP/HTTP', setting: 'collector.otlp.host', host: config.collector.otlp.host }, exposure);
      const grpc = config.collector.otlp.grpc;
      if (grpc.enabled) assertExposureAllowed({ name: 'OTLP/gRPC', setting: 'collector.otlp.grpc.host', host: grpc.host }, exposure);
    }
    const topics: Record<Signal, string> = {
      logs: config.bus.kafka.topics.logs,
      metrics: config.bus.kafka.topics.metrics,
      traces: config.bus.kafka.topics.spans,
    };
    if (config.bus.kind === 'in_process' && roles.collector !== roles.processor) {
      throw new Error('collector and processor run as separate processes only over Kafka: set bus.kind to "kafka" (or VIGIL_KAFKA_BROKERS)');
    }
    if (roles.processor || roles.api || roles.alerts) this.store = createStore(config);
    const kafka = config.bus.kafka;
    const bus = !(roles.collector || roles.processor)
      ? undefined
      : config.bus.kind === 'kafka'
        ? new KafkaBus({
            brokers: kafka.brokers,
            clientId: kafka.client_id,
            groupId: config.processor.group_id ?? `${kafka.client_id}-processor`,
            topics: Object.values(topics),
            partitions: kafka.partitions,
            replicationFactor: kafka.replication_factor,
            deadLetterTopic: kafka.topics.dead_letter,
            maxPendingBytes: config.bus.max_pending_bytes,
            retryAfterMs: config.collector.otlp.retry_after,
            maxBatchMessages: kafka.max_batch_messages,
            // Messages and their encoded rows: ~2.2× the message bytes for logs, so two batches fit.
            maxPlannedBatchBytes: Math.floor(config.processor.max_bytes_in_flight / 4),
            fetchBytesPerPartition: kafka.fetch_bytes_per_partition,
            sessionTimeoutMs: kafka.session_timeout,
            logger: logger.child({ component: 'kafka' }),
            security: kafkaSecurity(kafka),
            lingerMs: kafka.linger,
            maxBatchBytes: kafka.batch_bytes,
            client: kafka.client,
            producers: kafka.producers,
            compressionLevel: kafka.compression_level,
          })
        : new InProcessBus({ maxPendingBytes: config.bus.max_pending_bytes, retryAfterMs: config.collector.otlp.retry_after });
    this.bus = bus;
    if (roles.processor && bus) {
      this.processor = new Processor({
        bus,
        store: this.store!,
        topics,
        batch: {
          maxRows: config.processor.batch.max_rows,
          maxDelayMs: config.processor.batch.max_delay,
          regroupDelayMs: config.processor.batch.regroup_delay,
          // In-process, a failing insert answers the OTLP client (which retries) after 10 s;
          // over Kafka the batch keeps retrying, since nobody else will.
          retryForMs: bus instanceof KafkaBus ? 10 * 60_000 : 10_000,
        },
        logger: logger.child({ component: 'processor' }),
        onMalformed: bus instanceof KafkaBus ? (message, error) => bus.deadLetter(message, error) : undefined,
        ttlDays: config.store.ttl_days,
        maxBytesInFlight: config.processor.max_bytes_in_flight,
      });
    }
    const { otlp, hostmetrics } = config.collector;
    // Embedded only: over Kafka the collector forwards request bytes and transcodes nothing.
    const transcodeWorkers = transcodeWorkerCount(otlp.transcode_workers);
    if (roles.collector && otlp.enabled && bus instanceof InProcessBus && transcodeWorkers > 0) {
      this.transcodePool = new TranscodePool({
        workers: transcodeWorkers,
        maxQueued: otlp.transcode_queue,
        retryAfterMs: otlp.retry_after,
        logger: logger.child({ component: 'transcode_pool' }),
      });
    }
    if (roles.collector && otlp.enabled && bus) {
      this.otlp = new OtlpReceiver({
        host: otlp.host,
        port: otlp.port,
        maxRequestBytes: otlp.max_request_bytes,
        maxDecompressedBytes: otlp.max_decompressed_bytes,
        retryAfterMs: otlp.retry_after,
        bus,
        topics,
        logger: logger.child({ component: 'otlp' }),
        auth,
        tls: otlp.tls,
        ttlDays: config.store.ttl_days,
        maxInflightBytes: otlp.max_inflight_bytes,
        maxMessageBytes: kafka.max_message_bytes,
        transcodePool: this.transcodePool,
      });
    }
    if (roles.collector && otlp.enabled && otlp.grpc.enabled && bus) {
      this.otlpGrpc = new OtlpGrpcReceiver({
        host: otlp.grpc.host,
        port: otlp.grpc.port,
        maxRecvMsgBytes: otlp.grpc.max_recv_msg_bytes,
        retryAfterMs: otlp.retry_after,
        bus,
        topics,
        logger: logger.child({ component: 'otlp_grpc' }),
        auth,
        tls: otlp.grpc.tls,
        ttlDays: config.store.ttl_days,
        maxMessageBytes: kafka.max_message_bytes,
        transcodePool: this.transcodePool,
      });
    }
    if (roles.collector && hostmetrics.enabled && bus) {
      this.hostMetrics = new HostMetricsReceiver({
        intervalMs: hostmetrics.interval,
        heartbeatIntervalMs: hostmetrics.heartbeat_interval,
        hostName: hostmetrics.host_name,
        maxBufferedBatches: hostmetrics.max_buffered_batches,
        logger: logger.child({ component: 'hostmetrics' }),
        emit: (request) => bus.publish(topics.metrics, [metricsMessage(request)]),
      });
    }
    const scrapeConfigs = config.collector.prometheus.scrape_configs;
    if (roles.collector && scrapeConfigs.length > 0 && bus) {
      this.prometheus = new PrometheusReceiver({
        scrapeConfigs,
        logger: logger.child({ component: 'prometheus' }),
        emit: (request, size) => bus.publish(topics.metrics, [{ signal: 'metrics', key: 'prometheus', decoded: request, size, bytes: () => encodeProtobuf('metrics', request) }]),
      });
    }
    const filelog = config.collector.filelog;
    if (roles.collector && filelog.enabled && bus) {
      this.filelog = new FilelogReceiver({
        include: filelog.include,
        exclude: filelog.exclude,
        startAt: filelog.start_at,
        pollIntervalMs: filelog.poll_interval,
        fingerprintBytes: filelog.fingerprint_bytes,
        maxLineBytes: filelog.max_line_bytes,
        maxBatchBytes: filelog.max_batch_bytes,
        multiline: filelog.multiline,
        parser: filelog.parser,
        serviceName: filelog.service_name,
        hostName: hostmetrics.host_name,
        checkpointFile: join(config.data_dir, 'filelog', 'checkpoints.json'),
        logger: logger.child({ component: 'filelog' }),
        emit: (request, dedupToken, size) =>
          bus.publish(topics.logs, [{ signal: 'logs', key: 'filelog', decoded: request, size, dedupToken, bytes: () => encodeProtobuf('logs', request) }]),
      });
    }
    if (roles.api && config.api.enabled) {
      this.api = new ApiServer({
        host: config.api.host,
        port: config.api.port,
        store: this.store!,
        limits: adHocLimits(config.api.query),
        maxConcurrentQueries: config.api.query.max_concurrent,
        logger: logger.child({ component: 'api' }),
        isReady: () => this.ready,
        routes: this.apiRoutes,
        auth,
        tls: config.api.tls,
        allowedHosts: config.api.allowed_hosts,
        corsOrigins: config.api.cors_origins,
      });
    }
  }

  async start(): Promise<void> {
    if (this.store) {
      await this.startComponent(this.store);
      const report = await migrate(this.store, schemaOptions(this.config));
      if (report.applied.length > 0) this.logger.info({ applied: report.applied }, 'schema migrated');
    }
    if (this.bus) await this.startComponent(this.bus);
    if (this.processor) await this.startComponent(this.processor);
    // Self-telemetry flows through the processor, so it starts after it and stops before it.
    await this.startComponent(this.telemetry());
    if (this.roles.alerts && this.config.alerts.enabled) {
      const rules = await loadRuleFiles(this.config.alerts.rule_files);
      if (!rules.ok) {
        throw new Error(`invalid alert rules:\n${rules.problems.map((p) => `  ${p.file}: ${p.path}: ${p.message}`).join('\n')}`);
      }
      let notifier: Notifier = new LoggingNotifier(this.logger.child({ component: 'notifier' }));
      const leadership = this.config.alerts.ha ? this.createLeadership() : undefined;
      const isActive = leadership ? () => leadership.isLeader : undefined;
      const file = this.config.alerts.notification_file;
      if (file) {
        const loaded = await loadNotificationConfig(file);
        if (!loaded.ok) throw new Error(`invalid notification config:\n  ${loaded.problems.join('\n  ')}`);
        const pipeline = createNotificationPipeline(loaded.config, this.store!, systemClock, this.logger.child({ component: 'dispatch' }), isActive);
        this.apiRoutes.push(silencesRouter(pipeline.silences, pipeline.dispatcher));
        this.apiRoutes.push(hooksRouter(this.store!, pipeline.hooks));
        if (leadership && pipeline.hooks.size > 0) {
          // Hook claims reach Kafka before any action, so a new leader knows what the old one took.
          const kafka = this.config.bus.kafka;
          const replica = new KafkaHookReplica({
            brokers: kafka.brokers,
            clientId: kafka.client_id,
            topic: 'vigil_hook_ledger',
            logger: this.logger.child({ component: 'hooks' }),
            onRecord: (record) => {
              this.logger.debug({ component: 'hooks', key: record.key, outcome: record.outcome, instance: record.instance }, 'hook ledger record replicated');
              void pipeline.hookLedger.receive(record).catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'replicated hook run not stored'));
            },
          });
          await this.startComponent(replica);
          pipeline.hookLedger.replicate = (record) => replica.publish(record);
          pipeline.hookLedger.catchUp = () => replica.catchUp();
        }
        if (leadership) {
          // Every instance learns what any leader sent, so a new leader does not send it again.
          const haLogger = this.logger.child({ component: 'ha' });
          leadership.onRecord = (record) => {
            haLogger.debug({ receiver: record.receiver, groupKey: record.groupKey, sentAt: record.sentAt }, 'notification log entry replicated');
            pipeline.dispatcher.log.merge(record);
          };
          pipeline.dispatcher.log.replicate = (record) => leadership.publish(record);
        }
        await this.startComponent(pipeline.dispatcher);
        notifier = pipeline.dispatcher;
      }
      if (leadership) {
        await this.startComponent(leadership);
        this.apiRoutes.push(Router().get('/api/v1/ha', (_req, res) => void res.json({ leader: leadership.isLeader })));
      }
      this.alerts = new AlertsEngine({
        store: this.store!,
        groups: rules.groups,
        notifier,
        isActive,
        logger: this.logger.child({ component: 'alerts' }),
      });
      this.apiRoutes.push(alertsRouter(this.alerts));
      await this.startComponent(this.alerts);
    }
    if (this.api) await this.startComponent(this.api);
    // Before the receivers that use it, so it stops after them (their in-flight requests finish first).
    if (this.transcodePool) await this.startComponent(this.transcodePool);
    if (this.otlp) await this.startComponent(this.otlp);
    if (this.otlpGrpc) await this.startComponent(this.otlpGrpc);
    if (this.hostMetrics) await this.startComponent(this.hostMetrics);
    if (this.filelog) await this.startComponent(this.filelog);
    if (this.prometheus) await this.startComponent(this.prometheus);
    this.ready = true;
    this.logger.info(
      { otlp: this.otlp?.address, otlpGrpc: this.otlpGrpc?.address, api: this.api?.address, dataDir: this.config.data_dir, bus: this.bus?.kind, roles: this.roles },
      'vigil started',
    );
  }

  /** Stops receivers first so each stage drains into the next, then flushes and closes the store. */
  async shutdown(): Promise<void> {
    this.ready = false;
    const components = this.started.reverse();
    this.started = [];
    for (const component of components) {
      try {
        await component.shutdown();
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'component failed to stop cleanly');
      }
    }
    if (components.length > 0) this.logger.info('vigil stopped');
  }

  private telemetry(): InstanceTelemetry {
    const receivers: ConstructorParameters<typeof InstanceTelemetry>[1]['receivers'] = [];
    if (this.otlp) receivers.push(['otlp_http', () => this.otlp!.stats]);
    if (this.otlpGrpc) receivers.push(['otlp_grpc', () => this.otlpGrpc!.stats]);
    if (this.filelog) receivers.push(['filelog', () => ({ accepted: this.filelog!.stats.records, delivery_failures: this.filelog!.stats.delivery_failures })]);
    if (this.prometheus) {
      const stats = this.prometheus.stats;
      // Scrapes by outcome: accepted are the successful ones, failures by reason.
      receivers.push(['prometheus', () => ({ accepted: stats.scrapes - Object.values(stats.failed).reduce((a, b) => a + b, 0), ...stats.failed, delivery_failures: stats.delivery_failures })]);
    }
    const roles = Object.entries(this.roles).filter(([, on]) => on).map(([role]) => role).join(',');
    return new InstanceTelemetry(
      this.config,
      {
        bus: this.bus,
        store: this.store,
        otlpPorts: () => [...(this.otlp ? [this.otlp.port] : []), ...(this.otlpGrpc ? [this.otlpGrpc.port] : [])],
        receivers,
        processorStats: this.processor ? () => this.processor!.stats() : undefined,
        firingAlerts: () => this.alerts?.alerts().filter((a) => a.state === 'firing').length,
        roles,
      },
      this.apiRoutes,
      this.logger.child({ component: 'telemetry' }),
    );
  }

  private createLeadership(): KafkaLeadership {
    const kafka = this.config.bus.kafka;
    if (kafka.brokers.length === 0) throw new Error('alerts.ha needs Kafka: set bus.kafka.brokers (or VIGIL_KAFKA_BROKERS)');
    return new KafkaLeadership({
      brokers: kafka.brokers,
      clientId: kafka.client_id,
      groupId: `${kafka.client_id}-alerts`,
      leaderTopic: 'vigil_alerts_leader',
      logTopic: 'vigil_notification_log',
      sessionTimeoutMs: kafka.session_timeout,
      logger: this.logger.child({ component: 'ha' }),
      security: kafkaSecurity(kafka),
      // An instance with a processor of its own (embedded HA) evaluates over what that processor
      // stored: it may lead only once the processor has caught up with the bus.
      readyToLead: this.processor
        ? (signal) =>
            processorCaughtUp({
              brokers: kafka.brokers,
              clientId: kafka.client_id,
              security: kafkaSecurity(kafka),
              groupId: this.config.processor.group_id ?? `${kafka.client_id}-processor`,
              topics: [kafka.topics.logs, kafka.topics.metrics, kafka.topics.spans],
              logger: this.logger.child({ component: 'ha' }),
              signal,
            })
        : undefined,
    });
  }

  private async startComponent(component: Component): Promise<void> {
    await component.start();
    this.started.push(component);
  }
}

function metricsMessage(request: ExportMetricsServiceRequest): OutgoingMessage {
  return { signal: 'metrics', key: 'hostmetrics', decoded: request, size: 4096, bytes: () => encodeProtobuf('metrics', request) };
}
