import { listenOn } from '../db/listen';
import { logger } from '../logger';
import { EVENTS_CHANNEL, type EventNotice } from './event-types';

/**
 * Listens to the committed events' notices (NOTIFY smarketing_events) on a connection of its own
 * (db/listen.ts). A dropped connection is opened again with a growing pause; `onReconnect` runs
 * after each (re)connection, so a consumer can catch up on what it missed meanwhile.
 */
export async function listenForEvents(
  url: string,
  onNotice: (notice: EventNotice) => void,
  onReconnect: () => void = () => undefined,
): Promise<() => Promise<void>> {
  const listener = listenOn(
    url,
    EVENTS_CHANNEL,
    {
      onNotice: (payload) => {
        if (!payload) return;
        try {
          onNotice(JSON.parse(payload) as EventNotice);
        } catch (error) {
          logger.warn({ err: error }, 'event notice not handled');
        }
      },
      onConnected: () => onReconnect(),
    },
    'events',
  );
  await listener.ready;
  return listener.stop;
}
