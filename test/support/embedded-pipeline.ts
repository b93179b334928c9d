import { rmSync } from 'node:fs';
import { migrate, type Store } from '../../core/store/index.ts';

interface Part {
  start(): Promise<unknown>;
  shutdown(): Promise<unknown>;
}

export interface EmbeddedPipelineParts {
  /** The store's directory, removed once everything has stopped. */
  dir: string;
  /** The store the pipeline writes through (it may wrap `schemaStore`). */
  store: Part;
  /** Where the schema is migrated: the engine itself when `store` is a test wrapper. */
  schemaStore: Store;
  /** Started in this order after the schema (bus, processor, pools, receivers…), stopped in reverse. */
  parts: Part[];
}

/**
 * An embedded pipeline's start and stop order in tests, as `vigil start` has it: the store and
 * its schema first and the receivers last, so no request arrives before its tables exist, and the
 * receivers stop first, so none is answered by a store that is gone.
 */
export function embeddedPipeline({ dir, store, schemaStore, parts }: EmbeddedPipelineParts): { start(): Promise<void>; stop(): Promise<void> } {
  return {
    async start() {
      await store.start();
      await migrate(schemaStore, { database: 'default', ttlDays: 30 });
      for (const part of parts) await part.start();
    },
    async stop() {
      for (const part of [...parts].reverse()) await part.shutdown();
      await store.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
