import { spawn } from 'node:child_process';
import path from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { tracingWanted } from '../src/observability/start-tracing';
import { Role } from '../src/entities/enums';
import { countRows, startTestApp, unique, type TestApp } from './helpers';

interface TracedSpan {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  parentId?: string;
  attributes: Record<string, unknown>;
}

function traceOneMutation(
  env: Record<string, string>,
): Promise<{ answer: { status: number; text: string }; spans: TracedSpan[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'fixtures', 'trace-one-mutation.ts')],
      { cwd: path.resolve(__dirname, '..'), env: { ...process.env, LOG_LEVEL: 'warn', ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the traced process failed (${code}): ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

describe('traces', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  test('one mutation: HTTP server span → graphql parse, validate, execute → pg queries inside execute', async () => {
    const email = `${unique('traced')}@private.example.com`;
    const { answer, spans } = await traceOneMutation({
      TRACE_DATABASE_URL: t.url,
      TRACE_TOKEN: t.tokens[Role.MARKETING],
      TRACE_EMAIL: email,
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).data.createLead.email).toBe(email);
    expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(1);

    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const ancestors = (span: TracedSpan): TracedSpan[] => {
      const chain: TracedSpan[] = [];
      for (let parent = byId.get(span.parentId ?? ''); parent; parent = byId.get(parent.parentId ?? ''))
        chain.push(parent);
      return chain;
    };
    const server = spans.filter((span) => span.kind === SpanKind.SERVER);
    expect(server).toHaveLength(1);
    expect(
      server[0]!.attributes['http.route'] ?? server[0]!.attributes['url.path'] ?? server[0]!.attributes['http.target'],
    ).toMatch(/graphql/);
    const only = (name: string): TracedSpan => {
      const found = spans.filter((span) => span.name === name);
      expect([name, found.length]).toEqual([name, 1]);
      return found[0]!;
    };
    const parse = only('graphql.parse');
    const validate = only('graphql.validate');
    const execute = only('graphql.execute');
    for (const step of [parse, validate, execute]) {
      expect(ancestors(step)).toContain(server[0]);
      expect(step.traceId).toBe(server[0]!.traceId);
    }
    expect(execute.attributes).toMatchObject({
      'graphql.operation.name': 'TracedCreate',
      'graphql.operation.type': 'mutation',
    });

    const queries = spans.filter((span) => span.name.startsWith('pg.query'));
    const inExecute = queries.filter((span) => ancestors(span).includes(execute));
    const statements = inExecute.map((span) =>
      String(span.attributes['db.statement'] ?? span.attributes['db.query.text']),
    );
    expect(statements.some((sql) => /^INSERT INTO "lead"/.test(sql))).toBe(true);
    expect(statements.some((sql) => /^COMMIT/.test(sql))).toBe(true);
    // The token lookup runs before execution, still inside the request's trace.
    const tokenLookup = queries.find((span) =>
      String(span.attributes['db.statement'] ?? span.attributes['db.query.text']).includes('api_token'),
    );
    expect(tokenLookup && ancestors(tokenLookup)).toContain(server[0]);
    // Statement text only: no parameter values in any span.
    expect(JSON.stringify(spans)).not.toContain(email);
  }, 120_000);

  test('off without OTEL_* variables; on with an exporter or an OTLP endpoint; OTEL_SDK_DISABLED wins', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(
      false,
    );
  });
});
