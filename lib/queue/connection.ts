/**
 * A first contact with Redis before a worker or a coordinator starts: within a bounded time it
 * answers PING, or the error names the URL (without its password) and says why. BullMQ's own
 * connections retry forever, which is right once running but would hang a mistyped address.
 */
import { Redis } from 'ioredis';
import type { QueueAddress } from './url.js';

/** Resolves when Redis at `address` answers PING; rejects within `timeoutMs` otherwise. */
export async function probeRedis(address: QueueAddress, timeoutMs = 8000): Promise<void> {
  const client = new Redis({
    ...address.redis, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: Error | null = null;
  client.on('error', (err: Error) => { lastError = err; }); // says why better than the rejection ("Connection is closed.")
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
  } catch (err) {
    const why = (lastError as Error | null)?.message || (err as Error).message || String(err);
    throw new Error(`cannot reach Redis at ${address.redacted}: ${address.scrub(why)}`);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
