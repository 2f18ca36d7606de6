/* eslint-disable @typescript-eslint/no-require-imports -- the SDK is loaded only when tracing is wanted */
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { markTracingActive } from './tracing';

/**
 * Tracing is on when the standard OpenTelemetry variables ask for it: OTEL_TRACES_EXPORTER (other
 * than `none`) or an OTLP endpoint; OTEL_SDK_DISABLED=true turns it off. Without them nothing of
 * the SDK is even loaded.
 */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (exporters.length > 0) return exporters.some((name) => name !== 'none');
  return !!(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the OpenTelemetry SDK with the HTTP and pg instrumentations. It must run before `http`
 * and `pg` are first required (main.ts imports this file first), since instrumentations patch
 * modules as they load. Exporter, endpoint, service name and sampling come from the OTEL_*
 * variables; tests pass their own span processors.
 */
export function startTracing(options: { spanProcessors?: SpanProcessor[] } = {}): NodeSDK | undefined {
  if (!options.spanProcessors && !tracingWanted()) return undefined;
  const { NodeSDK: Sdk } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const sdk = new Sdk({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'smarketing-api',
    spanProcessors: options.spanProcessors,
    // Our logs and metrics have their own paths (pino, Prometheus): the SDK exports traces only.
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would be most of the spans and tell nothing.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? ''),
      }),
      // Statement text only: parameter values (personal data) are never recorded.
      new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
    ],
  });
  sdk.start();
  markTracingActive();
  return sdk;
}
