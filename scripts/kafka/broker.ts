/**
 * A real Apache Kafka (KRaft, combined broker+controller) on loopback for tests and local use:
 * jars from Maven Central via fetch.sh, one JVM per node, stopped by the PIDs it started.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HERE = import.meta.dirname;
const LIBS = join(HERE, '.cache/libs');

export interface KafkaNode {
  id: number;
  port: number;
  pid: number;
}

export interface KafkaCluster {
  /** "127.0.0.1:port,…" */
  bootstrap: string;
  nodes: KafkaNode[];
  stopNode(id: number, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  startNode(id: number): Promise<void>;
  stop(): Promise<void>;
}

export interface KafkaOptions {
  brokers?: 1 | 3;
  dataDir?: string;
  heapMb?: number;
  /** Client ports to listen on (default: free ones), e.g. to start Kafka where a client already points. */
  ports?: number[];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

function java(args: string[], heapMb: number, logConfig: string): string[] {
  return [`-Xmx${heapMb}m`, `-Xms${Math.min(heapMb, 256)}m`, `-Dlog4j2.configurationFile=${logConfig}`, '-cp', `${LIBS}/*`, ...args];
}

export { freePort };

export async function startKafka(options: KafkaOptions = {}): Promise<KafkaCluster> {
  if (!existsSync(LIBS)) {
    const fetched = spawnSync(join(HERE, 'fetch.sh'), { stdio: 'inherit' });
    if (fetched.status !== 0) throw new Error('scripts/kafka/fetch.sh failed');
  }
  const count = options.brokers ?? 1;
  const heapMb = options.heapMb ?? (count === 1 ? 1024 : 512);
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-kafka-'));
  const ports = options.ports ?? (await Promise.all(Array.from({ length: count }, freePort)));
  const controllerPorts = await Promise.all(Array.from({ length: count }, freePort));
  const voters = controllerPorts.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(',');
  const clusterId = spawnSync('java', java(['kafka.tools.StorageTool', 'random-uuid'], 256, '/dev/null'), { encoding: 'utf8' }).stdout.trim();
  if (!clusterId) throw new Error('kafka StorageTool random-uuid printed nothing');

  const logConfig = join(root, 'log4j2.properties');
  writeFileSync(
    logConfig,
    ['rootLogger.level = INFO', 'rootLogger.appenderRef.out.ref = out', 'appender.out.type = Console', 'appender.out.name = out',
      'appender.out.layout.type = PatternLayout', 'appender.out.layout.pattern = [%d] %p %m (%c)%n',
      'logger.kafka.name = kafka', 'logger.kafka.level = INFO', 'logger.apache.name = org.apache.kafka', 'logger.apache.level = WARN'].join('\n'),
  );

  const nodes = new Map<number, { port: number; props: string; log: string; child?: ChildProcess }>();
  for (let i = 0; i < count; i++) {
    const id = i + 1;
    const dir = join(root, `node-${id}`);
    mkdirSync(dir, { recursive: true });
    const props = join(dir, 'server.properties');
    writeFileSync(
      props,
      [
        'process.roles=broker,controller',
        `node.id=${id}`,
        `controller.quorum.voters=${voters}`,
        `listeners=PLAINTEXT://127.0.0.1:${ports[i]},CONTROLLER://127.0.0.1:${controllerPorts[i]}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${ports[i]}`,
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        'inter.broker.listener.name=PLAINTEXT',
        `log.dirs=${join(dir, 'data')}`,
        'num.partitions=1',
        `offsets.topic.replication.factor=${count}`,
        `transaction.state.log.replication.factor=${count}`,
        `transaction.state.log.min.isr=${count === 1 ? 1 : 2}`,
        `min.insync.replicas=${count === 1 ? 1 : 2}`,
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=false',
        'log.segment.bytes=67108864',
        'unclean.leader.election.enable=false',
      ].join('\n') + '\n',
    );
    const formatted = spawnSync('java', java(['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '--ignore-formatted'], 256, logConfig), { encoding: 'utf8' });
    if (formatted.status !== 0) throw new Error(`formatting KRaft storage failed: ${formatted.stderr || formatted.stdout}`);
    nodes.set(id, { port: ports[i]!, props, log: join(dir, 'server.log') });
  }

  const startNode = async (id: number) => {
    const node = nodes.get(id);
    if (!node) throw new Error(`no Kafka node ${id}`);
    writeFileSync(node.log, '');
    const child = spawn('sh', ['-c', `exec java "$@" >> '${node.log}' 2>&1`, 'java', ...java(['kafka.Kafka', node.props], heapMb, logConfig)], { stdio: 'ignore' });
    node.child = child;
    const deadline = Date.now() + 120_000;
    while (!readFileSync(node.log, 'utf8').includes('Kafka Server started')) {
      if (child.exitCode !== null) throw new Error(`Kafka node ${id} exited ${child.exitCode}: ${readFileSync(node.log, 'utf8').slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`Kafka node ${id} did not start within 120 s: ${readFileSync(node.log, 'utf8').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const stopNode = async (id: number, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const child = nodes.get(id)?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };

  // Controllers of a 3-node quorum wait for each other, so nodes start together.
  await Promise.all([...nodes.keys()].map(startNode));
  return {
    bootstrap: [...nodes.values()].map((n) => `127.0.0.1:${n.port}`).join(','),
    get nodes() {
      return [...nodes.entries()].map(([id, n]) => ({ id, port: n.port, pid: n.child?.pid ?? 0 }));
    },
    stopNode,
    startNode,
    stop: async () => {
      await Promise.all([...nodes.keys()].map((id) => stopNode(id)));
      if (!options.dataDir) rmSync(root, { recursive: true, force: true });
    },
  };
}
