/**
 * A private redis-server for the queue tests: 127.0.0.1 on a free port, no persistence, its own
 * temporary folder, stopped by its PID. Without redis-server the tests skip (saying how to
 * install it), except under CI=true, where they must run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** Why the Redis tests cannot run here, or null. */
export function redisProblem(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? 'no redis-server (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)' : null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something answers PING on 127.0.0.1:port (after AUTH with `password`). */
async function waitForPong(port: number, password: string | undefined, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('connect', () => socket.write(`${password ? `AUTH ${password}\r\n` : ''}PING\r\n`));
      socket.on('data', (d) => { text += String(d); if (text.includes('PONG')) { socket.destroy(); resolve(true); } });
      socket.on('error', () => resolve(false));
      setTimeout(() => { socket.destroy(); resolve(false); }, 500);
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface TestRedis {
  port: number;
  /** redis://[:password@]127.0.0.1:port */
  url: string;
  process: ChildProcess;
  /** Stops it by its PID (SIGKILL: as if the machine went away) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startRedis(options: { port?: number; password?: string } = {}): Promise<TestRedis> {
  const port = options.port ?? await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
  if (options.password) args.push('--requirepass', options.password);
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPong(port, options.password);
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    process: child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, signal);
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
