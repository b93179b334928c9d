import { spawn } from 'node:child_process';
import { OutputTail, type RunResult } from './run-result.ts';

export interface CommandRun {
  argv: string[];
  env: Record<string, string>;
  stdin: string;
  timeoutMs: number;
  maxOutputBytes: number;
}

/**
 * Runs argv without a shell: a label value such as `x; rm -rf /` arrives as one literal
 * argument. The child leads its own process group so a timeout kills what it started too.
 * The result is taken at exit, not when the pipes close: a script may leave a daemon behind
 * that still holds them (the scale-out example does).
 */
export function runCommand(run: CommandRun): Promise<RunResult> {
  const stdout = new OutputTail(run.maxOutputBytes);
  const stderr = new OutputTail(run.maxOutputBytes);
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    const finish = (result: Omit<RunResult, 'stdout' | 'stderr'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Give the pipes a moment to hand over what the process wrote just before it exited.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ ...result, stdout: stdout.text(), stderr: stderr.text() });
      }, 20);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(run.argv[0]!, run.argv.slice(1), { shell: false, detached: true, env: run.env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ outcome: 'failed', exitCode: -1, stdout: '', stderr: '', error: (err as Error).message });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, run.timeoutMs);
    child.stdout!.on('data', (d: Buffer) => stdout.push(d));
    child.stderr!.on('data', (d: Buffer) => stderr.push(d));
    // A program that does not read its stdin must not fail the run with EPIPE.
    child.stdin!.on('error', () => {});
    child.stdin!.end(run.stdin);
    child.once('error', (err) => finish({ outcome: 'failed', exitCode: -1, error: err.message }));
    child.once('exit', (code, signal) => {
      if (timedOut) finish({ outcome: 'timeout', exitCode: code ?? -1, error: `killed after ${run.timeoutMs} ms` });
      else if (code === 0) finish({ outcome: 'ok', exitCode: 0 });
      else finish({ outcome: 'failed', exitCode: code ?? -1, error: signal ? `killed by ${signal}` : `exit code ${code}` });
    });
  });
}
