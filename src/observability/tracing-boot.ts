import { startTracing } from './start-tracing';

/** Imported first by main.ts, so the instrumentations are in place before `http` and `pg` load. */
export const tracingSdk = startTracing();
