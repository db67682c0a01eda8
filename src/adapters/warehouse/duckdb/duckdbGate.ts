// One DuckDB instance per warehouse file in this process, opened and closed as one serialised step.
// Two instances on one file each keep their own catalog and WAL: whichever closes last overwrites
// the other's commits (issue 11: a committed table was lost). Operations that need the same kind of
// instance (a profile) share it; an operation needing another profile waits until it is closed.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs/promises';
import path from 'node:path';

/** How an instance is set up before its first use; the same key means an instance can be shared. */
export interface InstanceProfile {
  key: string;
  /** Runs once on a fresh instance, before any operation's connection. */
  setup?: (conn: DuckDBConnection) => Promise<void>;
}

interface OpenInstance {
  key: string;
  instance: DuckDBInstance;
  users: number;
  /** Set when an operation of another profile waits: nobody joins, so that one is not starved. */
  draining: boolean;
  closed: Promise<void>;
  markClosed: () => void;
}

export class DuckDBFileGate {
  private current?: OpenInstance;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Runs fn on a connection to an instance of this profile, opening one if needed and closing it after the last user. */
  async withConnection<T>(profile: InstanceProfile, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const entry = await this.acquire(profile);
    try {
      const conn = await entry.instance.connect();
      try {
        return await fn(conn);
      } finally {
        conn.closeSync();
      }
    } finally {
      await this.serial(async () => {
        entry.users--;
        if (entry.users === 0) {
          if (this.current === entry) this.current = undefined;
          entry.instance.closeSync();
          entry.markClosed();
        }
      });
    }
  }

  private writes: Promise<unknown> = Promise.resolve();

  /**
   * Runs writers of the catalog one after the other: DuckDB's optimistic transactions would fail
   * two publishes that create the same schema or marker table at once with a write-write conflict.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(fn);
    this.writes = run.catch(() => {});
    return run;
  }

  /** Every check-and-open and every close runs here, one at a time. */
  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.chain.then(step);
    this.chain = run.catch(() => {});
    return run;
  }

  private async acquire(profile: InstanceProfile): Promise<OpenInstance> {
    for (;;) {
      const got = await this.serial(async (): Promise<OpenInstance | { wait: Promise<void> }> => {
        const open = this.current;
        if (open && open.key === profile.key && !open.draining) {
          open.users++;
          return open;
        }
        if (open) {
          open.draining = true;
          return { wait: open.closed };
        }
        this.current = await this.open(profile);
        return this.current;
      });
      if (!('wait' in got)) return got;
      await got.wait;
    }
  }

  private async open(profile: InstanceProfile): Promise<OpenInstance> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    // The driver (native) loads on first use: CLI commands that never query the warehouse start without it.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(this.file);
    try {
      if (profile.setup) {
        const conn = await instance.connect();
        try {
          await profile.setup(conn);
        } finally {
          conn.closeSync();
        }
      }
    } catch (err) {
      instance.closeSync();
      throw err;
    }
    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    return { key: profile.key, instance, users: 1, draining: false, closed, markClosed };
  }
}

const gates = new Map<string, DuckDBFileGate>();

/** The one gate of a file in this process, however many warehouse objects name it. */
export function gateFor(file: string): DuckDBFileGate {
  const key = path.resolve(file);
  let gate = gates.get(key);
  if (!gate) gates.set(key, (gate = new DuckDBFileGate(key)));
  return gate;
}
