import pino from 'pino';
import { config } from './config';

/** Logs go to stderr, so CLI commands (`npm run token`) keep stdout for their answer. */
export const logger = pino({ level: config.logLevel, base: { service: 'smarketing-api' } }, pino.destination(2));
