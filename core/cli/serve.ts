// `bento serve`: run the daemon until SIGINT or SIGTERM; `bento ui`: a
// signed-in link to the running daemon's UI.

import type { Command } from 'commander';
import { serve } from '../daemon/serve.js';
import { EngineError } from '../engine/engine.js';
import { findDaemon } from './backend.js';
import { clusterOf } from './cluster.js';
import { resolveHome } from './home.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the daemon: the engine and its HTTP API (Bonsai-compatible)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8081')
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--allow-remote', 'allow binding to a non-loopback address')
    .option('--max-upload-mb <n>', 'largest upload accepted', '256')
    .option('--watch <dir>', 'prove every name.elf (with name.input) dropped into this folder')
    .option('--taskdb <url>', "run on a cluster's shared taskdb: postgres://user@host:port/database (with --s3)")
    .option('--s3 <url>', "the cluster's bucket: http://host:port/bucket (keys in BENTO_S3_ACCESS_KEY, _SECRET_KEY)")
    .option('--serve-only', 'on a cluster: serve the API and UI but run no tasks here (the workers run them all)')
    .action(
      async (opts: {
        port: string;
        host: string;
        allowRemote?: boolean;
        maxUploadMb: string;
        watch?: string;
        taskdb?: string;
        s3?: string;
        serveOnly?: boolean;
      }) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new EngineError(`--port: ${opts.port} is not a port number`);
        if (!LOOPBACK.has(opts.host)) {
          if (!opts.allowRemote)
            throw new EngineError(
              `--host ${opts.host} is not a loopback address: add --allow-remote to expose the daemon`,
            );
          process.stderr.write(
            `warning: the daemon listens on ${opts.host}: anyone who can reach it and has the token can prove on this machine\n`,
          );
        }
        const cluster = clusterOf(opts);
        if (opts.serveOnly && !cluster)
          throw new EngineError(
            '--serve-only is for a daemon on a cluster (--taskdb, --s3): alone it would prove nothing',
          );
        const home = resolveHome(program);
        // Set by the desktop app that starts this daemon; kept from the provers this process spawns.
        const appSecret = process.env.BENTO_APP_SECRET;
        delete process.env.BENTO_APP_SECRET;
        const daemon = await serve({
          home,
          port,
          host: opts.host,
          maxUploadBytes: Number(opts.maxUploadMb) * 1024 * 1024,
          ...(opts.watch ? { watch: opts.watch } : {}),
          ...(appSecret ? { appSecret } : {}),
          ...(cluster ? { cluster, serveOnly: opts.serveOnly ?? false } : {}),
        });
        process.stdout.write(
          `bento daemon listening on http://${opts.host}:${daemon.port} (token in ${home}/daemon.json)\n`,
        );
        process.stdout.write('open the UI with the link `bento ui` prints\n');
        await new Promise<void>((resolve) => {
          const shutdown = (): void => {
            process.stdout.write('bento daemon stopping\n');
            void daemon
              .stop()
              .catch((err: unknown) => process.stderr.write(`bento serve: stopping: ${(err as Error).message}\n`))
              .finally(resolve);
          };
          process.once('SIGINT', shutdown);
          process.once('SIGTERM', shutdown);
        });
      },
    );

  program
    .command('ui')
    .description("print a link that opens the running daemon's UI in a browser, signed in")
    .action(async () => {
      const home = resolveHome(program);
      const daemon = await findDaemon(home);
      if (!daemon) throw new EngineError(`no daemon is running for ${home}: start one with \`bento serve\``);
      process.stdout.write(`${daemon.uiUrl()}\n`);
    });
}
