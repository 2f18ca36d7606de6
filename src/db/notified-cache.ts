import type { DataSource, EntityManager } from 'typeorm';

type Reader = DataSource | EntityManager;

/**
 * A small table kept in process memory (the funnel, the rule sets in force) while this process
 * listens for its changes: a change notifies `channel` (pg_notify in the changing transaction,
 * delivered at commit) and every process drops its copy. Without a listening connection (it
 * dropped, or none was started, as in tests) every read goes to the database, as before.
 *
 * A load that overlapped a change is handed to its caller but not kept (generation check), so a
 * copy older than the last notification is never served again.
 */
export class NotifiedCache<T> {
  private value: Promise<T> | undefined;
  private generation = 0;

  constructor(
    readonly channel: string,
    private readonly load: (db: Reader) => Promise<T>,
  ) {
    caches.push(this);
  }

  /** The cached value, or a fresh read through `db` (kept only when `db` has not changed the table). */
  async get(db: Reader, { keep = true }: { keep?: boolean } = {}): Promise<T> {
    if (!listening || !keep) return this.load(db);
    if (this.value) return this.value;
    const generation = this.generation;
    const loading = this.load(db);
    this.value = loading;
    loading.then(
      () => {
        if (this.generation !== generation && this.value === loading) this.value = undefined;
      },
      () => {
        if (this.value === loading) this.value = undefined;
      },
    );
    return loading;
  }

  invalidate(): void {
    this.generation += 1;
    this.value = undefined;
  }
}

const caches: Array<NotifiedCache<unknown>> = [];
let listening = false;

/** The channels the one listening connection subscribes to. */
export function notifiedChannels(): string[] {
  return [...new Set(caches.map((cache) => cache.channel))];
}

/** A notification arrived on `channel`: the caches fed by it drop their copies. */
export function invalidateChannel(channel: string): void {
  for (const cache of caches) if (cache.channel === channel) cache.invalidate();
}

/**
 * Whether a listening connection is up. Going up or down drops every copy: notifications may have
 * been missed while it was down.
 */
export function setListening(up: boolean): void {
  listening = up;
  for (const cache of caches) cache.invalidate();
}
