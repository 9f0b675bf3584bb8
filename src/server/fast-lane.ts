/**
 * The fast lane: the LLM call routes (`/v1/chat/completions`, `/v1/embeddings`...) served straight
 * from node:http, in front of Fastify, which serves everything else (and these routes too where
 * the lane is not in front: the admin listener, `inject`).
 *
 * Why: Fastify's own work per request (its request and reply objects, routing, the content-type
 * parser, the hook runners, the reply's send pipeline) cost ~20 % of a bare Node proxy's CPU per
 * call in the benchmark (a bare proxy inside Fastify against the bare proxy itself), about as much
 * as everything the gateway does for a master-key call. For the handful of routes that carry the
 * traffic the lane does the same steps with none of that generality:
 *
 *   request id and call id → body (size limit, JSON whatever the content type) → the request
 *   checks (body depth, authentication and the route × role table, blocked customers) → the
 *   route's handler → the same error answers → the same metrics and log line on completion.
 *
 * A route is served by the lane only for its exact path and method; anything else (another
 * method, a query string is fine but any other spelling of the path is not) goes to Fastify,
 * which answers as it always did. While the gateway drains, every request goes to Fastify, whose
 * answer once closing is a 503. Handlers are written once, against `RouteRequest` and
 * `RouteReply`, which Fastify's own request and reply also satisfy.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { Attribution } from '../contracts/attribution.js';
import { routeAccess } from '../auth/route-permissions.js';
import { bodyTooLarge, errorResponse } from './error-handler.js';
import { parseJsonBody } from './json-body.js';
import { runChecks, type CheckedRequest, type RequestCheck } from './request-checks.js';

/** What a route handler reads of its request (a Fastify request satisfies it). */
export interface RouteRequest extends CheckedRequest {
  /** The request id (`x-request-id`). */
  readonly id: string;
  /** The gateway's id of this call (`x-litellm-call-id`, the spend log's request id). */
  readonly callId: string;
  readonly params: unknown;
  /** When the request arrived (`performance.now()`), for the gateway's overhead header. */
  readonly receivedAt?: number;
  readonly raw: IncomingMessage;
}

/** What a route handler does with its reply (a Fastify reply satisfies it). */
export interface RouteReply {
  readonly raw: ServerResponse;
  readonly request: RouteRequest;
  readonly log: Pick<Logger, 'warn' | 'error'>;
  headers(values: Record<string, string>): RouteReply;
  type(contentType: string): RouteReply;
  status(code: number): RouteReply;
  /** A string as it is (with the type set), anything else as JSON. */
  send(payload?: unknown): RouteReply;
  /** The handler writes `raw` itself from here on (a stream). */
  hijack(): RouteReply;
}

export type RouteHandler = (request: RouteRequest, reply: RouteReply) => Promise<unknown>;

/** One answered request, as Fastify's `onResponse` hook sees it. */
export interface AnsweredRequest {
  /** The route as registered. */
  route: string;
  method: string;
  requestId: string;
  body: unknown;
  statusCode: number;
  elapsedMs: number;
}

export interface FastLaneOptions {
  checks: readonly RequestCheck[];
  maxRequestBytes: number;
  logger: Logger;
  /** The request id: the client's `x-request-id` when it is a valid one, else a new id. */
  requestId(req: IncomingMessage): string;
  /** The call id of a request with id `requestId`. */
  callId(requestId: string, req: IncomingMessage): string;
  /** Called once each answer has been sent, as Fastify's `onResponse` hook is. */
  answered(request: AnsweredRequest): void;
  /** While true, requests are left to Fastify. */
  isDraining(): boolean;
}

interface LaneRoute {
  handler: RouteHandler;
  routeOptions: RouteRequest['routeOptions'];
}

/** What Fastify sends as the type of a serialised object. */
const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

export class FastLane {
  private readonly routes = new Map<string, LaneRoute>();

  constructor(private readonly options: FastLaneOptions) {}

  /**
   * Serves POST `path` (an exact path, no parameters) with `handler`; `config` as in the route's
   * Fastify options (`errorFormat`).
   */
  post(path: string, handler: RouteHandler, config: { errorFormat?: string } = {}): void {
    if (path.includes(':') || path.includes('*')) {
      throw new Error(`fast lane: ${path} has parameters; only exact paths are served here`);
    }
    const access = routeAccess(path);
    if (access === undefined) {
      throw new Error(
        `route POST ${path} is not in the route permission table (src/auth/route-permissions.ts)`,
      );
    }
    this.routes.set(path, { handler, routeOptions: { url: path, config: { ...config, access } } });
  }

  /** The server's request listener: the lane's routes here, everything else to `fallback`. */
  listener(fallback: RequestListener): RequestListener {
    return (req, res) => {
      if (req.method === 'POST' && !this.options.isDraining()) {
        const url = req.url ?? '';
        const query = url.indexOf('?');
        const route = this.routes.get(query === -1 ? url : url.slice(0, query));
        if (route !== undefined) {
          this.serve(route, req, res);
          return;
        }
      }
      fallback(req, res);
    };
  }

  private serve(route: LaneRoute, req: IncomingMessage, res: ServerResponse): void {
    const startedAt = performance.now();
    const { options } = this;
    const id = options.requestId(req);
    const request = new LaneRequest(req, id, options.callId(id, req), route.routeOptions);
    request.receivedAt = startedAt;
    const reply = new LaneReply(res, request, options.logger);
    const onFinish = (): void => {
      res.off('finish', onFinish);
      res.off('error', onFinish);
      options.answered({
        route: route.routeOptions.url ?? '',
        method: 'POST',
        requestId: id,
        body: request.body,
        statusCode: res.statusCode,
        elapsedMs: performance.now() - startedAt,
      });
    };
    res.on('finish', onFinish);
    res.on('error', onFinish);
    readBody(req, options.maxRequestBytes, (error, text) => {
      if (error !== undefined) {
        // A body refused for its size is not read to its end: the connection closes instead.
        if (error === TOO_LARGE) reply.headers({ connection: 'close' });
        this.fail(
          reply,
          route,
          error === TOO_LARGE ? bodyTooLarge(options.maxRequestBytes) : error,
        );
        return;
      }
      try {
        request.body = parseJsonBody(text, isJsonType(req.headers['content-type']));
      } catch (parseError: unknown) {
        this.fail(reply, route, parseError as Error);
        return;
      }
      runChecks(options.checks, request, (refusal) => {
        if (refusal !== undefined) {
          this.fail(reply, route, refusal);
          return;
        }
        let handled: Promise<unknown>;
        try {
          handled = route.handler(request, reply);
        } catch (failure: unknown) {
          this.fail(reply, route, failure as Error);
          return;
        }
        handled.then(
          (value) => {
            // A handler that returns a value instead of sending it, as Fastify allows.
            if (value !== reply && !reply.isSent) reply.send(value);
          },
          (failure: unknown) => this.fail(reply, route, failure as Error),
        );
      });
    });
  }

  /** The error answer, unless the answer has begun (then the connection is cut and it is logged). */
  private fail(reply: LaneReply, route: LaneRoute, error: Error): void {
    const answer = errorResponse(
      error,
      route.routeOptions.config as { errorFormat?: string },
      this.options.maxRequestBytes,
    );
    const { raw } = reply;
    if (reply.isSent || raw.headersSent) {
      this.options.logger.error(
        { reqId: reply.request.id, err: error },
        'request failed after its answer began',
      );
      if (!raw.writableEnded) raw.destroy();
      return;
    }
    if (answer.status >= 500) {
      this.options.logger.error({ reqId: reply.request.id, err: error }, 'request failed');
    }
    reply.status(answer.status).headers(answer.headers).send(answer.body);
  }
}

class LaneRequest implements RouteRequest {
  body: unknown = undefined;
  principal: Principal | null = null;
  attribution: Attribution | undefined = undefined;
  readonly params = NO_PARAMS;
  receivedAt: number | undefined = undefined;

  constructor(
    readonly raw: IncomingMessage,
    readonly id: string,
    readonly callId: string,
    readonly routeOptions: RouteRequest['routeOptions'],
  ) {}

  get method(): string {
    return this.raw.method ?? 'POST';
  }

  get url(): string {
    return this.raw.url ?? '/';
  }

  get headers(): IncomingMessage['headers'] {
    return this.raw.headers;
  }
}

class LaneReply implements RouteReply {
  private statusCode = 200;
  private contentType: string | undefined;
  private sent = false;
  private hijacked = false;
  /** The answer's headers; the ids go on every answer, errors included. */
  private readonly values: Record<string, string>;

  constructor(
    readonly raw: ServerResponse,
    readonly request: LaneRequest,
    readonly log: Logger,
  ) {
    this.values = { 'x-request-id': request.id, 'x-litellm-call-id': request.callId };
  }

  /** Whether the handler has answered (or taken over the response). */
  get isSent(): boolean {
    return this.sent || this.hijacked;
  }

  headers(values: Record<string, string>): this {
    for (const name in values) this.values[name.toLowerCase()] = values[name] as string;
    return this;
  }

  type(contentType: string): this {
    this.contentType = contentType;
    return this;
  }

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  send(payload?: unknown): this {
    if (this.isSent) {
      this.log.warn({ reqId: this.request.id }, 'reply already sent');
      return this;
    }
    this.sent = true;
    let text = '';
    let type = this.contentType;
    if (typeof payload === 'string') {
      text = payload;
      type ??= TEXT_TYPE;
    } else if (payload !== undefined) {
      text = JSON.stringify(payload);
      type ??= JSON_TYPE;
    }
    const headers = this.values;
    if (type !== undefined) headers['content-type'] = type;
    headers['content-length'] = String(Buffer.byteLength(text));
    this.raw.writeHead(this.statusCode, headers);
    this.raw.end(text);
    return this;
  }

  hijack(): this {
    this.hijacked = true;
    return this;
  }
}

/** Whether a request's content type is JSON (an empty body is then an error). */
function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  if (contentType === 'application/json') return true;
  const semicolon = contentType.indexOf(';');
  const media = semicolon === -1 ? contentType : contentType.slice(0, semicolon);
  return media.trim().toLowerCase() === 'application/json';
}

/** `readBody`'s refusal of a body over the limit. */
const TOO_LARGE = new Error('request body too large');

/**
 * Reads a request body as UTF-8 text; refuses it with TOO_LARGE once it is larger than `limit`
 * bytes, at once when its declared length already is.
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  done: (error: Error | undefined, text: string) => void,
): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.pause();
    done(TOO_LARGE, '');
    return;
  }
  let first: Buffer | undefined;
  let parts: Buffer[] | undefined;
  let size = 0;
  const finish = (error: Error | undefined, text: string): void => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    done(error, text);
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > limit) {
      req.pause();
      finish(TOO_LARGE, '');
      return;
    }
    if (first === undefined) first = chunk;
    else (parts ??= [first]).push(chunk);
  };
  const onEnd = (): void => {
    const text =
      parts !== undefined
        ? Buffer.concat(parts, size).toString('utf8')
        : (first?.toString('utf8') ?? '');
    finish(undefined, text);
  };
  const onError = (error: Error): void => finish(error, '');
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
}
