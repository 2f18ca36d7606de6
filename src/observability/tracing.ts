import type { ApolloServerPlugin } from '@apollo/server';
import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { MiddlewareFn } from 'type-graphql';

/**
 * Our own spans, through the OpenTelemetry API only. Until `start-tracing.ts` registers an SDK
 * (OTEL_* variables set), `tracingActive` is false and every helper here calls straight through:
 * no span objects, no context switches.
 */
let active = false;

export function markTracingActive(): void {
  active = true;
}

export function tracingActive(): boolean {
  return active;
}

const tracer = trace.getTracer('smarketing-api');

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
}

/** Runs `work` inside a span of its own (its database queries become its children). */
export function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  if (!active) return work();
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * A span around one expensive resolver (`@UseMiddleware(traceResolver)`): metric reports and
 * simulations, which the graphql instrumentation cannot see because graphql-jit runs them.
 */
export const traceResolver: MiddlewareFn = ({ info }, next) => {
  if (!active) return next();
  return inSpan(
    `graphql.resolve ${info.parentType.name}.${info.fieldName}`,
    { 'graphql.field.name': info.fieldName, 'graphql.field.type': info.parentType.name },
    () => Promise.resolve(next()),
  );
};

/** Spans for Apollo's parse and validate steps; execute has its own in the executor (jit-executor.ts). */
export function graphqlTracingPlugin(): ApolloServerPlugin {
  return {
    requestDidStart() {
      return Promise.resolve({
        parsingDidStart() {
          const span = tracer.startSpan('graphql.parse');
          return Promise.resolve((error?: Error) => {
            if (error) fail(span, error);
            span.end();
            return Promise.resolve();
          });
        },
        validationDidStart() {
          const span = tracer.startSpan('graphql.validate');
          return Promise.resolve((errors?: ReadonlyArray<Error>) => {
            if (errors?.length) fail(span, errors[0]);
            span.end();
            return Promise.resolve();
          });
        },
      });
    },
  };
}
