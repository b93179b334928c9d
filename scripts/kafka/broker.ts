/**
 * A real Apache Kafka 4.1 (KRaft; every node a combined broker + controller) on loopback, for
 * tests and local use. No Docker: the jars come from Maven Central through fetch.sh, each node is
 * one `java … kafka.Kafka server.properties` child process, and only the PIDs started here are
 * ever signalled.
 *
 *   const kafka = await startKafka({ brokers: 3 });
 *   kafka.bootstrap;                     // "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3"
 *   await kafka.stopNode(2, 'SIGKILL');  // a crash; startNode(2) brings it back on the same port
 *   await kafka.stop();                  // all nodes, then the temporary data directory
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HERE = import.meta.dirname;
const LIBS = join(HERE, '.cache', 'libs');
const READY = Buffer.from('Kafka Server started');

export interface KafkaNode {
  id: number;
  /** The client (PLAINTEXT) port on 127.0.0.1. */
  port: number;
  /** PID of the node's JVM (the last one started for this node; 0 before the first start). */
  pid: number;
  /** Whether that JVM is still alive. */
  running: boolean;
}

export interface KafkaCluster {
  /** "127.0.0.1:port,…", one entry per node. */
  bootstrap: string;
  /** A fresh snapshot on each read. */
  nodes: KafkaNode[];
  /** The cluster's directory: node-N/{server.properties,server.log,stdout.log,data}. */
  dataDir: string;
  /** Stops one node: SIGTERM (a controlled shutdown, SIGKILL after a grace period) or SIGKILL (a crash). */
  stopNode(id: number, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts a stopped node again, same ports and data; resolves once it logged "Kafka Server started". */
  startNode(id: number): Promise<void>;
  /** Stops every node and removes the data directory (unless it was given as `dataDir`). */
  stop(): Promise<void>;
}

export interface KafkaOptions {
  /** Number of nodes, each a broker and a voter of the controller quorum. Default 1. */
  brokers?: 1 | 3;
  /**
   * Fixed ports: client ports basePort … basePort+n-1, controller ports basePort+n … basePort+2n-1.
   * Default: free ports picked at random in 20000-32767 (below Linux's ephemeral range).
   */
  basePort?: number;
  /** Explicit client ports, one per node (controller ports are then picked free). Wins over basePort. */
  ports?: number[];
  /** Where to put configs, logs and data; kept by stop(). Default: a new temporary directory, removed by stop(). */
  dataDir?: string;
  /** Heap per node in MiB. Default 1024 for one node, 512 each for three. */
  heapMb?: number;
  /** Extra or overriding server.properties entries for every node. */
  properties?: Record<string, string | number | boolean>;
  /** How long a node may take to log "Kafka Server started". Default 120 s. */
  startTimeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Ports

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}

/** A port that is free on 127.0.0.1 right now (the kernel's choice). */
export async function freePort(): Promise<number> {
  const server = (await listen(0))!;
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * `count` distinct ports, free right now, from 20000-32767: below the ephemeral range, so no
 * outgoing connection (a client's source port) can take one between this check and Kafka's bind.
 */
async function freePorts(count: number, avoid: Set<number>): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let tries = 0; ports.length < count; tries++) {
      if (tries > 1000) throw new Error('no free ports in 20000-32767 on 127.0.0.1');
      const port = 20000 + (randomBytes(2).readUInt16BE() % 12768);
      if (avoid.has(port) || ports.includes(port)) continue;
      const server = await listen(port);
      if (!server) continue;
      held.push(server);
      ports.push(port);
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

/** JVMs started by this module and still alive, and temporary data directories not yet removed:
 *  if this process exits without stop(), the JVMs are killed and the directories removed. */
const live = new Set<ChildProcess>();
const tempRoots = new Set<string>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const root of tempRoots) {
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // best effort: a JVM may still be writing into it
    }
  }
});

/** `setpriv --pdeathsig KILL` makes the kernel kill a JVM whose parent dies, even by SIGKILL. */
const PDEATHSIG = spawnSync('setpriv', ['--pdeathsig', 'KILL', 'true']).status === 0 ? ['setpriv', '--pdeathsig', 'KILL'] : [];

function ensureJars(): void {
  // fetch.sh exits at once when the jars for pom.xml are there; otherwise it runs Maven.
  const fetched = spawnSync(join(HERE, 'fetch.sh'), { stdio: ['ignore', 'inherit', 'inherit'] });
  if (fetched.error) throw new Error(`scripts/kafka/fetch.sh could not run: ${fetched.error.message}`);
  if (fetched.status !== 0) throw new Error('scripts/kafka/fetch.sh failed to fetch the Kafka jars (its message is above)');
}

function run(argv: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/**
 * A KRaft cluster ID as `kafka-storage.sh random-uuid` prints it: 16 random bytes, URL-safe
 * base64 without padding, never starting with '-' (Kafka's Uuid.randomUuid rule).
 */
function clusterId(): string {
  for (;;) {
    const bytes = randomBytes(16);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40; // a version-4 UUID, like java.util.UUID.randomUUID
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const id = bytes.toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function tail(file: string, chars = 4000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.length > chars ? `…${text.slice(-chars)}` : text;
  } catch {
    return '(no output)';
  }
}

const LOG4J2 = `# Written by scripts/kafka/broker.ts. kafka.logs.dir is set per node on the java command line.
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = \${sys:kafka.logs.dir}/server.log
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.zk.name = org.apache.zookeeper
logger.zk.level = WARN
`;

// ---------------------------------------------------------------------------------------------
// The cluster

interface NodeState {
  id: number;
  port: number;
  controllerPort: number;
  dir: string;
  props: string;
  log: string;
  stdout: string;
  child?: ChildProcess;
  pid: number;
}

class PortInUse extends Error {}

export async function startKafka(options: KafkaOptions = {}): Promise<KafkaCluster> {
  const count = options.brokers ?? 1;
  if (count !== 1 && count !== 3) throw new Error(`brokers must be 1 or 3, not ${String(count)}`);
  if (options.ports && options.ports.length !== count) throw new Error(`ports needs ${count} entries`);
  ensureJars();
  const heapMb = options.heapMb ?? (count === 1 ? 1024 : 512);
  const fixedPorts = options.ports !== undefined || options.basePort !== undefined;
  // Auto-picked ports can still be taken by another process before Kafka binds them: retry then.
  for (let attempt = 1; ; attempt++) {
    const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-kafka-'));
    if (!options.dataDir) tempRoots.add(root);
    try {
      return await tryStart(root, count, heapMb, options);
    } catch (error) {
      if (!options.dataDir) {
        rmSync(root, { recursive: true, force: true });
        tempRoots.delete(root);
      }
      if (error instanceof PortInUse && !fixedPorts && attempt < 3) continue;
      throw error;
    }
  }
}

async function tryStart(root: string, count: number, heapMb: number, options: KafkaOptions): Promise<KafkaCluster> {
  mkdirSync(root, { recursive: true });
  let clientPorts: number[];
  let controllerPorts: number[];
  if (options.ports) {
    clientPorts = options.ports;
    controllerPorts = await freePorts(count, new Set(clientPorts));
  } else if (options.basePort !== undefined) {
    clientPorts = Array.from({ length: count }, (_, i) => options.basePort! + i);
    controllerPorts = Array.from({ length: count }, (_, i) => options.basePort! + count + i);
  } else {
    const ports = await freePorts(2 * count, new Set());
    clientPorts = ports.slice(0, count);
    controllerPorts = ports.slice(count);
  }
  const voters = controllerPorts.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(',');
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const log4j = join(root, 'log4j2.properties');
  writeFileSync(log4j, LOG4J2);

  const jvm = (nodeDir: string, mb: number, fast: boolean) => [
    `-Xmx${mb}m`,
    `-Xms${Math.min(mb, 256)}m`,
    ...(fast ? ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'] : ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent']),
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4j}`,
    `-Dkafka.logs.dir=${nodeDir}`,
    '-cp',
    join(LIBS, '*'),
  ];

  // A kept dataDir already has a cluster ID (format --ignore-formatted insists on the same one).
  const meta = join(root, 'node-1', 'data', 'meta.properties');
  const id = (existsSync(meta) && /^cluster\.id=(\S+)$/m.exec(readFileSync(meta, 'utf8'))?.[1]) || clusterId();
  const nodes = new Map<number, NodeState>();
  for (let i = 0; i < count; i++) {
    const nodeId = i + 1;
    const dir = join(root, `node-${nodeId}`);
    mkdirSync(dir, { recursive: true });
    const properties: Record<string, string | number | boolean> = {
      'process.roles': 'broker,controller',
      'node.id': nodeId,
      'controller.quorum.voters': voters,
      listeners: `PLAINTEXT://127.0.0.1:${clientPorts[i]},CONTROLLER://127.0.0.1:${controllerPorts[i]}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${clientPorts[i]}`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'log.dirs': join(dir, 'data'),
      // Test-friendly defaults.
      'num.partitions': 1,
      'default.replication.factor': count,
      'min.insync.replicas': count === 1 ? 1 : 2,
      'auto.create.topics.enable': false,
      'unclean.leader.election.enable': false,
      'group.initial.rebalance.delay.ms': 0,
      'offsets.topic.replication.factor': count,
      'offsets.topic.num.partitions': 10,
      'transaction.state.log.replication.factor': count,
      'transaction.state.log.min.isr': count === 1 ? 1 : 2,
      'transaction.state.log.num.partitions': 10,
      'share.coordinator.state.topic.replication.factor': count,
      'share.coordinator.state.topic.min.isr': count === 1 ? 1 : 2,
      // A crashed broker is fenced, and loses its leaderships, after 6 s instead of 9 s.
      'broker.heartbeat.interval.ms': 1000,
      'broker.session.timeout.ms': 6000,
      'log.segment.bytes': 16 * 1024 * 1024,
      'log.retention.check.interval.ms': 60_000,
      'num.network.threads': 2,
      'num.io.threads': 4,
      ...options.properties,
    };
    const props = join(dir, 'server.properties');
    writeFileSync(props, Object.entries(properties).map(([k, v]) => `${k}=${String(v)}`).join('\n') + '\n');
    nodes.set(nodeId, { id: nodeId, port: clientPorts[i]!, controllerPort: controllerPorts[i]!, dir, props, log: join(dir, 'server.log'), stdout: join(dir, 'stdout.log'), pid: 0 });
  }

  // Format every node's storage (static quorum: no --standalone/--initial-controllers needed).
  await Promise.all(
    [...nodes.values()].map(async (node) => {
      const { code, output } = await run(['java', ...jvm(node.dir, 256, true), 'kafka.tools.StorageTool', 'format', '-t', id, '-c', node.props, '--ignore-formatted']);
      if (code !== 0) throw new Error(`kafka-storage format failed for node ${node.id} (exit ${code}): ${output.slice(-3000)}`);
    }),
  );

  const startNode = async (nodeId: number): Promise<void> => {
    const node = nodes.get(nodeId);
    if (!node) throw new Error(`no Kafka node ${nodeId}`);
    if (node.child && node.child.exitCode === null && node.child.signalCode === null) return;
    const from = existsSync(node.log) ? statSync(node.log).size : 0;
    const out = openSync(node.stdout, 'a');
    let child: ChildProcess;
    try {
      const argv = [...PDEATHSIG, 'java', ...jvm(node.dir, heapMb, false), 'kafka.Kafka', node.props];
      child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    node.child = child;
    node.pid = child.pid ?? 0;
    live.add(child);
    child.once('exit', () => live.delete(child));
    let spawnError: Error | undefined;
    child.once('error', (e) => (spawnError = e));

    const failure = (why: string) => {
      const log = tail(node.log);
      const message = `Kafka node ${nodeId} (127.0.0.1:${node.port}) ${why}\n--- ${node.log} ---\n${log}\n--- ${node.stdout} ---\n${tail(node.stdout, 2000)}`;
      return /Address already in use|BindException/.test(log + tail(node.stdout, 2000)) ? new PortInUse(message) : new Error(message);
    };
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      if (spawnError) throw failure(`could not be started: ${spawnError.message}`);
      try {
        if (readFileSync(node.log).indexOf(READY, from) >= 0) return;
      } catch {
        // not created yet
      }
      if (child.exitCode !== null || child.signalCode !== null) throw failure(`exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw failure(`did not log "Kafka Server started" within ${timeoutMs / 1000} s`);
      }
    }
  };

  const stopNode = async (nodeId: number, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', graceMs = 30_000): Promise<void> => {
    const node = nodes.get(nodeId);
    if (!node) throw new Error(`no Kafka node ${nodeId}`);
    const child = node.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      // All at once: a quorum that loses its voters one by one only slows the last ones down, and
      // the data is thrown away anyway, so the grace period is short.
      await Promise.all([...nodes.keys()].map((n) => stopNode(n, 'SIGTERM', 10_000)));
      if (!options.dataDir) {
        rmSync(root, { recursive: true, force: true });
        tempRoots.delete(root);
      }
    })());

  try {
    // A 3-voter quorum needs a majority up before any node finishes starting: start them together.
    await Promise.all([...nodes.keys()].map(startNode));
  } catch (error) {
    await Promise.all([...nodes.keys()].map((n) => stopNode(n, 'SIGKILL')));
    throw error;
  }

  return {
    bootstrap: clientPorts.map((p) => `127.0.0.1:${p}`).join(','),
    get nodes() {
      return [...nodes.values()].map((n) => ({ id: n.id, port: n.port, pid: n.pid, running: !!n.child && n.child.exitCode === null && n.child.signalCode === null }));
    },
    dataDir: root,
    stopNode: (nodeId, signal) => stopNode(nodeId, signal),
    startNode,
    stop,
  };
}
