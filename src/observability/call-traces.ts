/**
 * A trace span of every LLM call, sent to an OpenTelemetry collector (`litellm_settings.callbacks:
 * ["otel"]`) or to Langfuse (`["langfuse_otel"]`) with the OpenTelemetry SDK: batched in memory,
 * posted as OTLP/JSON by a background exporter, never on a request's path. A span carries what the
 * spend log holds of the call, named by the OpenTelemetry GenAI conventions (`gen_ai.*`), and the
 * caller as LiteLLM's spans name it (`metadata.user_api_key_*`); never a prompt or an answer.
 * A request that brings a W3C `traceparent` header gets its span in that trace.
 *
 * The SDK is loaded only when traces are configured. When the collector does not answer, spans
 * are dropped after the exporter's retries (bounded queue), with one warning per outage.
 */
import type { Span as ApiSpan, Context, Tracer } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { TraceSettings } from '../config/trace-settings.js';
import type { SpendEntry, SpendLedger } from '../spend/types.js';
import { readStored } from '../spend/spend-ledger.js';
import { VERSION } from '../version.js';

/** The GenAI convention's operation of each call type. */
const OPERATIONS: Record<string, string> = {
  acompletion: 'chat',
  atext_completion: 'text_completion',
  aembedding: 'embeddings',
  aresponses: 'chat',
  anthropic_messages: 'chat',
  aimage_generation: 'image_generation',
};

/** What a CallTracer runs on: the SDK's tracer and API, once loaded. */
interface TracerParts {
  tracer: Tracer;
  api: typeof import('@opentelemetry/api');
  parentOf: (traceParent: string) => Context;
  shutdown: () => Promise<void>;
  logger: Pick<Logger, 'warn' | 'error'>;
}

export class CallTracer {
  private constructor(private readonly parts: TracerParts) {}

  static async create(settings: TraceSettings, logger: Logger): Promise<CallTracer> {
    const api = await import('@opentelemetry/api');
    const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
    const { BasicTracerProvider, BatchSpanProcessor } =
      await import('@opentelemetry/sdk-trace-base');
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const { resourceFromAttributes } = await import('@opentelemetry/resources');
    const exporter = new ReportingExporter(
      new OTLPTraceExporter({ url: settings.url, headers: settings.headers }),
      logger,
      settings.url,
    );
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': settings.serviceName,
        'service.version': VERSION,
      }),
      spanProcessors: [
        new BatchSpanProcessor(exporter, { maxQueueSize: 8192, scheduledDelayMillis: 1000 }),
      ],
    });
    const propagator = new W3CTraceContextPropagator();
    const parentOf = (traceParent: string) =>
      propagator.extract(api.ROOT_CONTEXT, { traceparent: traceParent }, api.defaultTextMapGetter);
    return new CallTracer({
      tracer: provider.getTracer('tollgate', VERSION),
      api,
      parentOf,
      shutdown: () => provider.shutdown(),
      logger,
    });
  }

  /** Ends a span for a finished call; never throws. */
  record(entry: SpendEntry): void {
    const { tracer, api, parentOf, logger } = this.parts;
    try {
      const operation = OPERATIONS[entry.callType] ?? entry.callType.replace(/^a/, '');
      const parent = entry.traceParent ? parentOf(entry.traceParent) : api.ROOT_CONTEXT;
      const span: ApiSpan = tracer.startSpan(
        `${operation} ${entry.modelGroup}`,
        {
          kind: api.SpanKind.CLIENT,
          startTime: entry.startTime,
          attributes: attributes(entry, operation),
        },
        parent,
      );
      if (entry.status === 'failure') {
        span.setStatus({
          code: api.SpanStatusCode.ERROR,
          ...(entry.error !== undefined && { message: entry.error }),
        });
      }
      span.end(entry.endTime);
    } catch (error: unknown) {
      logger.error({ err: error, requestId: entry.requestId }, 'trace span not recorded');
    }
  }

  /** Sends what is queued (shutdown). */
  close(): Promise<void> {
    return this.parts.shutdown();
  }
}

/** A span's attributes: the GenAI conventions, then LiteLLM's names for the caller. */
function attributes(
  entry: SpendEntry,
  operation: string,
): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {
    'gen_ai.operation.name': operation,
    'gen_ai.system': entry.provider,
    'gen_ai.provider.name': entry.provider,
    'gen_ai.request.model': entry.modelGroup,
    'gen_ai.response.model': entry.model,
    'gen_ai.usage.input_tokens': entry.promptTokens,
    'gen_ai.usage.output_tokens': entry.completionTokens,
    'gen_ai.usage.total_tokens': entry.totalTokens,
    'gen_ai.usage.cost': entry.cost,
    'tollgate.request_id': entry.requestId,
    'tollgate.call_type': entry.callType,
    'tollgate.deployment_id': entry.deploymentId,
    'tollgate.status': entry.status,
    'tollgate.cache_hit': entry.cacheKey !== undefined,
  };
  if (entry.apiBase) {
    try {
      const url = new URL(entry.apiBase);
      out['server.address'] = url.hostname;
      if (url.port !== '') out['server.port'] = Number(url.port);
    } catch {
      // Not a URL: nothing to name.
    }
  }
  if (entry.tags.length > 0) out['tollgate.tags'] = [...entry.tags];
  if (entry.keyHash) out['metadata.user_api_key_hash'] = entry.keyHash;
  if (entry.keyAlias) out['metadata.user_api_key_alias'] = entry.keyAlias;
  if (entry.userId) out['metadata.user_api_key_user_id'] = entry.userId;
  if (entry.teamId) out['metadata.user_api_key_team_id'] = entry.teamId;
  if (entry.organizationId) out['metadata.user_api_key_org_id'] = entry.organizationId;
  if (entry.customerId) {
    out['metadata.user_api_key_end_user_id'] = entry.customerId;
    out['user.id'] = entry.customerId;
  }
  return out;
}

/**
 * The exporter, with its failures said once per outage (the SDK's own diagnostics are silent
 * unless a logger is installed, and would repeat every second).
 */
class ReportingExporter implements SpanExporter {
  private failing = false;

  constructor(
    private readonly inner: SpanExporter,
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly url: string,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== 0 && !this.failing) {
        this.failing = true;
        this.logger.warn(
          { url: this.url, err: result.error },
          'traces: the collector did not take spans; they are dropped until it does (calls are not affected)',
        );
      } else if (result.code === 0 && this.failing) {
        this.failing = false;
        this.logger.warn({ url: this.url }, 'traces: the collector takes spans again');
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** The ledger calls book into when traces are sent: the store's (if any), then a span. */
export function tracedLedger(ledger: SpendLedger | undefined, tracer: CallTracer): SpendLedger {
  return {
    book(entry) {
      ledger?.book(entry);
      tracer.record(entry);
    },
    flush: (deadlineMs) => ledger?.flush(deadlineMs) ?? Promise.resolve(),
    pendingFor: (scopeKey) => ledger?.pendingFor(scopeKey) ?? 0,
    writtenSince: (written, scopeKey) => ledger?.writtenSince(written, scopeKey) ?? 0,
    readStored: (read, attempts) => readStored(ledger, read, attempts),
    close: (deadlineMs) => ledger?.close(deadlineMs) ?? Promise.resolve(),
  };
}
