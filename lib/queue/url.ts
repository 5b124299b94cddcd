/**
 * The queue's address: `redis://[:password@]host:port[/db]`, or `rediss://` for TLS. Parsed
 * once, into the options ioredis takes and a form safe to print: the password never appears in a
 * log line or an error message (`redacted`, `scrub`).
 */
import { isIP } from 'node:net';

/** Where and how to connect: the options ioredis and BullMQ both take. */
export interface RedisAddress {
  host: string;
  port: number;
  db: number;
  password?: string;
  username?: string;
  /** TLS (rediss://): Node's trusted CAs, plus NODE_EXTRA_CA_CERTS; SNI for a host name (not for an IP address, which RFC 6066 forbids). */
  tls?: { servername?: string };
}

export interface QueueAddress {
  /** The URL with its password replaced by ***: the only form that is ever printed. */
  redacted: string;
  /** Connection options for ioredis (and BullMQ). */
  redis: RedisAddress;
  /** Removes the password (and the full URL) from a message that may quote them. */
  scrub(message: string): string;
}

const USAGE = 'expected redis://[:password@]host:port[/db] or rediss://… (TLS)';

/** Parses a queue URL; the error names the option and shows the URL without its password. */
export function parseQueueUrl(text: string, option = '--queue'): QueueAddress {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error(`${option}: not a URL (${USAGE})`); // the text is not quoted: it may hold a password
  }
  const password = decodeURIComponent(url.password);
  const username = decodeURIComponent(url.username);
  const shown = new URL(url.href);
  if (shown.password) shown.password = '***';
  const redacted = shown.href.replace(/\/$/, '');
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error(`${option}: ${redacted}: ${USAGE}`);
  if (!url.hostname) throw new Error(`${option}: ${redacted}: no host (${USAGE})`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(dbText) || Number(dbText) > 15) throw new Error(`${option}: ${redacted}: the database must be a number 0..15, got '${dbText}'`);
  if (url.search || url.hash) throw new Error(`${option}: ${redacted}: no query or fragment expected (${USAGE})`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const redis: RedisAddress = {
    host, port, db: dbText === '' ? 0 : Number(dbText),
    ...(password ? { password } : {}),
    ...(username ? { username } : {}),
    ...(url.protocol === 'rediss:' ? { tls: isIP(host) ? {} : { servername: host } } : {}),
  };
  const secrets = [text.trim(), url.href, password, encodeURIComponent(password)].filter((s) => s.length > 0);
  const scrub = (message: string) => secrets.reduce((m, s) => m.split(s).join(s === password || s === encodeURIComponent(password) ? '***' : redacted), message);
  return { redacted, redis, scrub };
}
