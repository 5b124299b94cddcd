/**
 * `nnlab worker --queue redis://…`: trains the runs of grids that coordinators (runGrid with a
 * queue: `nnlab report --queue`, NNLAB_QUEUE in the notebooks) put on a Redis queue, on this
 * machine's cores. One line per job; Ctrl-C (or SIGTERM) lets the running jobs finish, a second
 * one leaves them to another worker.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { parseQueueUrl } from '../queue/url.js';
import { parseInteger } from './options.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('train the runs queued on Redis by `nnlab report --queue URL` (or NNLAB_QUEUE) on other machines')
    .option('-q, --queue <url>', 'redis://[:password@]host:port[/db], or rediss://… for TLS (default: $NNLAB_QUEUE)')
    .option('-c, --concurrency <n>', 'runs trained at once (default: one per core)')
    .option('--lock-seconds <s>', 'seconds without news before a job counts as stalled and goes to another worker', '30')
    .action(async (opts: { queue?: string; concurrency?: string; lockSeconds: string }) => {
      const text = opts.queue ?? process.env.NNLAB_QUEUE;
      if (!text) throw new Error('worker: --queue: give the queue\'s URL (redis://[:password@]host:port[/db]) or set NNLAB_QUEUE');
      const address = parseQueueUrl(text, opts.queue ? '--queue' : 'NNLAB_QUEUE');
      const concurrency = opts.concurrency === undefined ? availableParallelism() : parseInteger('--concurrency', opts.concurrency, 1, 1024);
      const lockMs = parseInteger('--lock-seconds', opts.lockSeconds, 1, 3600) * 1000;
      // BullMQ and ioredis load only for this command, not at every nnlab start.
      const [{ probeRedis }, { startQueueWorker }, { queueName }] = await Promise.all([import('../queue/connection.js'), import('../queue/worker.js'), import('../queue/jobs.js')]);
      await probeRedis(address);
      const worker = await startQueueWorker(address, { concurrency, lockMs });
      console.log(`worker ${worker.name}: waiting for runs on ${address.redacted}, queue ${queueName()}, ${concurrency} at once (Ctrl-C: finish the running runs and stop)`);
      await new Promise<void>((resolve) => {
        let signals = 0;
        const stop = (signal: string) => {
          signals++;
          if (signals === 1) {
            console.log(`worker ${worker.name}: ${signal}: finishing ${worker.running()} running run(s), taking no new one (again: hand them back and stop now)`);
            worker.close().then(resolve, resolve);
          } else {
            console.log(`worker ${worker.name}: ${signal} again: leaving the running run(s) to another worker`);
            worker.close(true).then(resolve, resolve);
          }
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      });
      console.log(`worker ${worker.name}: stopped`);
      process.exit(0);
    });
}
