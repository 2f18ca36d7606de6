import type { DataSource, EntityManager } from 'typeorm';
import { RuleSetKind } from '../entities/enums';
import type { ScoreCaps } from '../entities/rule-set-version.entity';
import { listenOn } from '../db/listen';
import { invalidateChannel, NotifiedCache, notifiedChannels, setListening } from '../db/notified-cache';
import { logger } from '../logger';
import { compileVersion, type CompiledVersion } from './engine';

export interface ActiveRules {
  scoring: CompiledVersion[];
  qualification: CompiledVersion[];
}

interface ActiveRow {
  rule_set_id: string;
  name: string;
  kind: RuleSetKind;
  active_version_id: string;
}

interface VersionRow {
  id: string;
  number: number;
  caps: ScoreCaps | null;
  rules: unknown[];
}

/** The channel a publish notifies on; every server process listens and compiles ahead. */
export const RULES_CHANNEL = 'smarketing_rules_published';

/**
 * Which versions are in force: kept in memory while this process listens on RULES_CHANNEL (a
 * publish notifies it at commit), read in the evaluating transaction otherwise.
 */
const inForce = new NotifiedCache<ActiveRow[]>(RULES_CHANNEL, (db) =>
  db.query<ActiveRow[]>(
    `SELECT id AS rule_set_id, name, kind, active_version_id FROM rule_set
     WHERE active_version_id IS NOT NULL ORDER BY name, id`,
  ),
);

/**
 * Compiled versions by id: each published version is compiled once per process. Which versions
 * are in force comes from `inForce`: a process switches to a newly published version when the
 * publish's notification arrives (milliseconds after its commit; the publishing process itself at
 * commit); LISTEN/NOTIFY and a periodic check also compile ahead, so the first lead after a
 * publish does not pay for it.
 */
class RuleCache {
  private readonly compiled = new Map<string, CompiledVersion>();

  /** Forgets which versions are in force (this process published one: it need not wait for the notification). */
  invalidate(): void {
    inForce.invalidate();
  }

  async active(db: DataSource | EntityManager): Promise<ActiveRules> {
    const rows = await inForce.get(db);
    const missing = rows.filter((row) => !this.compiled.has(row.active_version_id));
    if (missing.length > 0) {
      const versions = await db.query<VersionRow[]>(
        'SELECT id, number, caps, rules FROM rule_set_version WHERE id = ANY($1::uuid[])',
        [missing.map((row) => row.active_version_id)],
      );
      for (const version of versions) {
        const row = missing.find((candidate) => candidate.active_version_id === version.id)!;
        this.compiled.set(
          version.id,
          compileVersion({ ...version, ruleSetId: row.rule_set_id, ruleSetName: row.name, kind: row.kind }),
        );
      }
    }
    const active = new Set(rows.map((row) => row.active_version_id));
    for (const id of this.compiled.keys()) if (!active.has(id)) this.compiled.delete(id);
    const of = (kind: RuleSetKind): CompiledVersion[] =>
      rows.filter((row) => row.kind === kind).map((row) => this.compiled.get(row.active_version_id)!);
    return { scoring: of(RuleSetKind.SCORING), qualification: of(RuleSetKind.QUALIFICATION) };
  }

  /** Version ids compiled in this process (for diagnostics and the multi-process test). */
  loadedVersionIds(): string[] {
    return [...this.compiled.keys()];
  }
}

export const ruleCache = new RuleCache();

/**
 * The process's one listening connection: for rule publishes (new versions compiled at once) and
 * for every NotifiedCache's channel (the funnel, the rule sets in force). Checks every
 * `intervalMs` as well. While it is down the caches read the database; a dropped connection (the
 * database restarting) is opened again, with a growing pause.
 */
export async function watchPublishedRules(
  dataSource: DataSource,
  url: string,
  intervalMs = 5000,
): Promise<() => Promise<void>> {
  const refresh = (): void => {
    ruleCache.active(dataSource).catch((error: unknown) => logger.warn({ err: error }, 'rule cache refresh failed'));
  };
  const listener = listenOn(
    url,
    [RULES_CHANNEL, ...notifiedChannels()],
    {
      onNotice: (_payload, channel) => {
        invalidateChannel(channel);
        if (channel === RULES_CHANNEL) refresh();
      },
      onConnected: () => {
        setListening(true);
        refresh(); // publishes missed while disconnected
      },
      onLost: () => setListening(false),
    },
    'listen',
  );
  await listener.ready;
  const timer = setInterval(refresh, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await listener.stop();
    setListening(false);
  };
}
