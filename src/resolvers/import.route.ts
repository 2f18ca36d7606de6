import { randomUUID } from 'node:crypto';
import type express from 'express';
import type { DataSource } from 'typeorm';
import { bearerToken } from '../auth/tokens';
import type { Context } from '../context';
import { createLoaders } from '../loaders';
import { logger } from '../logger';
import { AppError, ErrorCode } from '../schema/errors';
import { identityForToken } from '../services/api-token.service';
import { queueImport } from '../services/import-queue';
import { assertMayImport, dryRunOf, duplicatePolicyOf, formatOf, storeImport } from '../services/import.service';

function refuse(
  res: express.Response,
  status: number,
  error: { message: string; extensions: Record<string, unknown> },
): void {
  res.status(status).json({ errors: [{ message: error.message, extensions: error.extensions }] });
}

const STATUS: Partial<Record<string, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, BAD_USER_INPUT: 400 };

/**
 * `POST /imports?dryRun=true&onDuplicate=skip|update|refuse` with a bearer token (OPS or ADMIN) and
 * the file as the body, streamed: `Content-Type: application/x-ndjson` (every record type; also
 * `application/json`, `text/plain` or none) or `text/csv` (leads alone, a header naming the fields). The body is stored, the job
 * queued, and the answer is `202 {"id", "status", "rowsTotal"}`; follow it with `importJob(id)`.
 * Errors answer as GraphQL does: `{"errors": [{"message", "extensions": {"code", "field"}}]}`.
 */
export function importRoute(dataSource: DataSource): express.RequestHandler {
  return async (req, res) => {
    try {
      const token = bearerToken(req.headers.authorization);
      const identity = token ? await identityForToken({ dataSource }, token) : null;
      if (!identity) {
        throw new AppError(ErrorCode.UNAUTHENTICATED, 'A valid bearer token (OPS or ADMIN) is required to import', {
          field: 'Authorization',
        });
      }
      const ctx: Context = {
        requestId: typeof req.id === 'string' ? req.id : randomUUID(),
        user: identity.user,
        tokenId: identity.tokenId,
        dataSource,
        loaders: createLoaders(dataSource),
      };
      assertMayImport(ctx);
      const dryRun = dryRunOf(req.query.dryRun);
      const onDuplicate = duplicatePolicyOf(req.query.onDuplicate);
      const format = formatOf(req.headers['content-type']);
      if (!format) {
        refuse(res, 415, {
          message: 'Content-Type must be application/x-ndjson (records of every type) or text/csv (leads)',
          extensions: { code: ErrorCode.BAD_USER_INPUT, field: 'Content-Type' },
        });
        return;
      }
      const job = await storeImport(ctx, req, { format, dryRun, onDuplicate }, () => req.complete);
      if (job.stored) await queueImport(dataSource, job.id);
      res.status(job.stored ? 202 : 400).json({
        id: job.id,
        status: job.status,
        rowsTotal: job.rowsTotal,
        dryRun: job.dryRun,
        onDuplicate: job.onDuplicate,
        ...(job.error ? { error: job.error } : {}),
      });
    } catch (error) {
      if (error instanceof AppError) {
        const code = String(error.extensions.code);
        const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
        refuse(res, STATUS[code] ?? 400, { message: error.message, extensions });
        return;
      }
      const id = randomUUID();
      logger.error({ err: error, errorId: id }, 'import upload failed');
      refuse(res, 500, { message: `Internal error (id ${id})`, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
    }
  };
}
