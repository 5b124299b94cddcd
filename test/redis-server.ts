/**
 * A private redis-server for the queue tests: 127.0.0.1 on a free port, no persistence, its own
 * temporary folder, stopped by its PID. Without redis-server the tests skip (saying how to
 * install it), except under CI=true, where they must run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
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

/**
 * A port on 127.0.0.1 where nothing listens, for "Redis not reachable" tests. Not one from
 * freePort: such a port is free only until something else takes it, and the queue tests run
 * beside other files that start redis-servers on free ports, while a connection to a closed port
 * in the ephemeral range can even connect to itself (TCP simultaneous open). A reserved port
 * below 1024 is never handed out by the system; the first that refuses a connection is used.
 */
export async function closedPort(): Promise<number> {
  for (const port of [1, 9, 13, 17, 19]) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(false); });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    });
    if (refused) return port;
  }
  throw new Error('closedPort: something listens on 127.0.0.1 ports 1, 9, 13, 17 and 19');
}

/**
 * Resolves once `server` (a redis-server child) answers on 127.0.0.1:port (after AUTH
 * with `password`; over TLS trusting `ca`), telling its own process id: a server that could not
 * bind the port exits, and another file's server on that port would answer PING just as well.
 */
async function waitForOwnServer(port: number, server: ChildProcess, password: string | undefined, ca: string | undefined, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pid = server.pid!;
  let answeredBy = '';
  for (;;) {
    if (server.exitCode !== null) throw new Error(`redis-server ${pid} on port ${port} exited with code ${server.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = ca ? tls.connect({ port, host: '127.0.0.1', ca: readFileSync(ca) }) : net.connect(port, '127.0.0.1');
      let text = '';
      socket.on(ca ? 'secureConnect' : 'connect', () => socket.write(`${password ? `AUTH ${password}\r\n` : ''}INFO server\r\n`));
      socket.on('data', (d) => {
        text += String(d);
        const found = /process_id:(\d+)\r\n/.exec(text);
        if (found) { socket.destroy(); answeredBy = found[1]; resolve(Number(found[1]) === pid); }
      });
      socket.on('error', () => resolve(false));
      setTimeout(() => { socket.destroy(); resolve(false); }, 500);
    });
    if (ok) return;
    if (Date.now() > deadline) {
      throw new Error(`redis-server ${pid} on port ${port} did not answer within ${timeoutMs} ms${answeredBy ? ` (process ${answeredBy} answered there)` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface TestRedis {
  port: number;
  /** redis://[:password@]127.0.0.1:port (rediss:// with TLS) */
  url: string;
  process: ChildProcess;
  /** Stops it by its PID (SIGKILL: as if the machine went away) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A server certificate and key for 127.0.0.1, signed by a throwaway CA (ca.pem): files in a folder. */
export interface TestCertificates { dir: string; ca: string; cert: string; key: string }

/** Why TLS tests cannot run here (no openssl), or null. */
export function opensslProblem(): string | null {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? 'no openssl command (Debian/Ubuntu: sudo apt-get install openssl)' : null;
}

/** Makes a throwaway CA and a certificate for IP 127.0.0.1 signed by it, valid one day, in a new temporary folder. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-tls-'));
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr || r.error}`);
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ecKey, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '1', '-subj', '/CN=nnlab test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  openssl('req', ...ecKey, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('server.pem'), '-days', '1', '-extfile', at('server.ext'));
  return { dir, ca: at('ca.pem'), cert: at('server.pem'), key: at('server.key') };
}

/**
 * Starts redis-server; with `tls`, it listens only for TLS (rediss://) on that port. On a port
 * of its own choosing it tries up to three free ports: another test file may take one between
 * freePort and redis-server's bind, and then that server exits at once.
 */
export async function startRedis(options: { port?: number; password?: string; tls?: TestCertificates } = {}): Promise<TestRedis> {
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nnlab-redis-'));
    const listen = options.tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.cert, '--tls-key-file', options.tls.key, '--tls-ca-cert-file', options.tls.ca, '--tls-auth-clients', 'no']
      : ['--port', String(port)];
    const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
    if (options.password) args.push('--requirepass', options.password);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.once('error', () => resolve()); });
    /** Stops it by its PID and waits for the exit, then removes its folder. */
    const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, signal);
      await exited;
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      if (child.pid === undefined) throw new Error('redis-server did not start');
      await waitForOwnServer(port, child, options.password, options.tls?.ca);
    } catch (err) {
      await stop('SIGKILL');
      if (options.port !== undefined || attempt === 3) throw err;
      continue;
    }
    const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
    return { port, url: `${options.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`, process: child, stop };
  }
}
