import { Client } from 'pg';
import { logger } from '../logger';
import { EVENTS_CHANNEL, type EventNotice } from './event-types';

/**
 * Listens to the committed events' notices (NOTIFY smarketing_events) on a connection of its own.
 * A dropped connection is opened again with a growing pause; `onReconnect` runs after each
 * (re)connection, so a consumer can catch up on what it missed meanwhile.
 */
export async function listenForEvents(
  url: string,
  onNotice: (notice: EventNotice) => void,
  onReconnect: () => void = () => undefined,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let pauseMs = 1000;

  const listen = async (): Promise<void> => {
    const current = new Client({ connectionString: url, application_name: 'smarketing-api-events' });
    client = current;
    let lost = false;
    const onLost = (error?: Error): void => {
      if (lost || stopped) return;
      lost = true;
      logger.warn({ err: error, retryInMs: pauseMs }, 'event listener lost its connection');
      current.end().catch(() => undefined);
      retryTimer = setTimeout(() => void listen(), pauseMs);
      retryTimer.unref();
      pauseMs = Math.min(pauseMs * 2, 30_000);
    };
    current.on('error', onLost);
    current.on('end', () => onLost());
    current.on('notification', (message) => {
      if (message.channel !== EVENTS_CHANNEL || !message.payload) return;
      try {
        onNotice(JSON.parse(message.payload) as EventNotice);
      } catch (error) {
        logger.warn({ err: error }, 'event notice not handled');
      }
    });
    try {
      await current.connect();
      await current.query(`LISTEN ${EVENTS_CHANNEL}`);
      pauseMs = 1000;
      onReconnect();
    } catch (error) {
      onLost(error as Error);
    }
  };

  await listen();
  return async () => {
    stopped = true;
    clearTimeout(retryTimer);
    await client?.end().catch(() => undefined);
  };
}
