import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '../..');

export interface DemoNode {
  name: string;
  url: string;
  child: ChildProcess;
  /** kill -9: the node and the collector inside it stop mid-heartbeat. */
  kill(): Promise<void>;
  state(): Promise<{ name: string; role: string; heartbeats: number; promotions: Array<{ at: number; failedNode: string; alertStartsAt: string; lastHeartbeatAt: number; key: string }> }>;
}

/** Starts examples/failover/node.ts as its own process and waits for its ready line. */
export async function startDemoNode(name: string, role: 'primary' | 'standby', kafka: string, clientId: string): Promise<DemoNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'examples/failover/node.ts')], {
    cwd: ROOT,
    env: { ...process.env, NODE_NAME: name, ROLE: role, KAFKA: kafka, CLIENT_ID: clientId, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((res, rej) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line);
        if (entry.ready) res(entry.url);
      } catch {
        // the collector's own log lines
      }
    });
    void exited.then(() => rej(new Error(`node ${name} exited before it was ready: ${stderr}`)));
  });
  return {
    name,
    url,
    child,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    state: async () => (await (await fetch(`${url}/state`)).json()) as any,
  };
}
