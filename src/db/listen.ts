import { Client } from 'pg';
import { logger } from '../logger';

export interface Listener {
  /** Resolves once the first LISTEN is in place (or the first attempt failed and a retry is planned). */
  ready: Promise<void>;
  stop: () => Promise<void>;
}

/**
 * LISTEN on `channel` (or several) over a connection of its own (a pooled one would be handed to
 * others); every LISTEN loop of the server (rule publishes and caches, webhook delivery, live
 * subscriptions) is this one.
 * A dropped connection (the database restarting) is opened again with a growing pause, up to
 * 30 s; `onConnected` runs after every successful LISTEN, with the moment the previous connection
 * was lost (none the first time), so the caller can catch up on what was announced while it was
 * deaf. Notifications arrive in commit order.
 */
export function listenOn(
  url: string,
  channel: string | readonly string[],
  handlers: {
    onNotice: (payload: string, channel: string) => void;
    onConnected?: (lostAt: Date | undefined) => void;
    onLost?: () => void;
  },
  name: string,
): Listener {
  const channels = new Set(typeof channel === 'string' ? [channel] : channel);
  const label = [...channels].join(', ');
  let stopped = false;
  let client: Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let pauseMs = 1000;
  let lostAt: Date | undefined;

  const listen = async (): Promise<void> => {
    const current = new Client({ connectionString: url, application_name: `smarketing-api-${name}` });
    client = current;
    let lost = false;
    const onLost = (error?: Error): void => {
      if (lost || stopped) return;
      lost = true;
      lostAt ??= new Date();
      handlers.onLost?.();
      logger.warn({ err: error, retryInMs: pauseMs }, `LISTEN ${label} lost its connection`);
      current.end().catch(() => undefined);
      retryTimer = setTimeout(() => void listen(), pauseMs);
      retryTimer.unref();
      pauseMs = Math.min(pauseMs * 2, 30_000);
    };
    current.on('error', onLost);
    current.on('end', () => onLost());
    current.on('notification', (message) => {
      if (channels.has(message.channel)) handlers.onNotice(message.payload ?? '', message.channel);
    });
    try {
      await current.connect();
      for (const name of channels) await current.query(`LISTEN ${name}`);
      pauseMs = 1000;
      const gapSince = lostAt;
      lostAt = undefined;
      handlers.onConnected?.(gapSince);
    } catch (error) {
      onLost(error as Error);
    }
  };

  return {
    ready: listen(),
    stop: async () => {
      stopped = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => undefined);
    },
  };
}
