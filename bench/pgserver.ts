// A throwaway PostgreSQL server for the benchmark and the tests: initdb in a
// temporary directory, started on a free port, removed at the end.
// PostgreSQL refuses to run as root, so as root the cluster belongs to
// `nobody` and its commands run as it (setpriv); as any other user they run
// as that user.

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The directory holding initdb, pg_ctl and postgres (Debian keeps them off PATH), or undefined. */
export function postgresBin(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  const candidates = [
    ...(onPath ? [join(onPath, '..')] : []),
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => join('/usr/lib/postgresql', v, 'bin'))
      : []),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export class PostgresServer {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
    private readonly durable: boolean,
  ) {}

  /**
   * initdb's a cluster in a temporary directory and starts it; without
   * `durable` it skips fsync (a test's data need not survive a power cut).
   */
  static async start(options: { durable?: boolean } = {}): Promise<PostgresServer> {
    const bin = postgresBin();
    if (!bin) throw new Error('PostgreSQL is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'bento-pg-'));
    const server = new PostgresServer(bin, dir, await freePort(), options.durable ?? false);
    if (process.getuid?.() === 0) {
      chmodSync(dir, 0o700);
      chownSync(dir, 65534, 65534);
    }
    server.as('initdb', ['-D', join(dir, 'data'), '-U', 'bento', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    server.startServer();
    return server;
  }

  /** Runs a PostgreSQL command, as nobody when this process is root. */
  private as(command: string, args: string[]): void {
    const program = join(this.bin, command);
    const [file, argv] =
      process.getuid?.() === 0
        ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', program, ...args]]
        : [program, args];
    execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir });
  }

  private startServer(): void {
    this.as('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${this.durable ? 'on' : 'off'}`,
      'start',
    ]);
  }

  /** A URL of a database on this server (created on first use by `createDatabase`). */
  url(database = 'postgres'): string {
    return `postgres://bento@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates a fresh database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Stops the server (fast shutdown: sessions are ended) and starts it again on the same port. */
  restart(): void {
    this.pause();
    this.resume();
  }

  /** Stops the server (fast shutdown), keeping its data, until `resume` starts it on the same port. */
  pause(): void {
    this.as('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }

  resume(): void {
    this.startServer();
  }

  stop(): void {
    try {
      this.as('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
