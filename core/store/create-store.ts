import { resolve } from 'node:path';
import type { VigilConfig } from '../config/index.ts';
import { ChdbStore } from './chdb-store.ts';
import { ClickHouseStore } from './clickhouse-store.ts';
import { dedupWindowSize } from './schema/dedup-window.ts';
import type { SchemaOptions } from './schema/render.ts';
import type { Store } from './store.ts';

export function createStore(config: VigilConfig): Store {
  const { store } = config;
  if (store.kind === 'clickhouse') {
    return new ClickHouseStore({ url: store.url!, username: store.username, password: store.password, database: store.database, tls: store.tls });
  }
  return new ChdbStore({ path: resolve(config.data_dir, 'clickhouse'), database: store.database, maxAdHocSessions: config.api.query.max_concurrent });
}

export function schemaOptions(config: VigilConfig): SchemaOptions {
  const { dedup } = config.store;
  // In-process (embedded) delivery has one stream per table; Kafka one per partition.
  const partitions = config.bus.kind === 'kafka' ? config.bus.kafka.partitions : 1;
  const dedupWindow =
    dedup.window ?? dedupWindowSize({ partitions, insertsPerSecondPerPartition: dedup.inserts_per_second, longestReplayDelayMs: dedup.max_replay_delay });
  return { database: config.store.database, cluster: config.store.cluster, ttlDays: config.store.ttl_days, dedupWindow };
}
