/**
 * A small typed client for the Kubernetes API over fetch (undici): get, list, watch, create,
 * merge patch (main resource or status), replace and delete. The operator needs nothing else,
 * and owning these ~150 lines keeps the exact content types, resourceVersion preconditions and
 * watch handling in view (see docs/operator.md on why not @kubernetes/client-node).
 */
import { readFileSync } from 'node:fs';
import { Agent, fetch, type Dispatcher } from 'undici';
import {
  apiVersionOf,
  KubeApiError,
  type KubeObject,
  type ResourceType,
  type WatchEvent,
} from './kube-types.js';

export interface KubeConnection {
  /** https://host:port of the API server (or http://127.0.0.1:8001 behind `kubectl proxy`). */
  url: string;
  /** A bearer token, or a file re-read on every request (service account tokens rotate). */
  token?: string;
  tokenFile?: string;
  /** PEM of the cluster CA. */
  ca?: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

export class KubeClient {
  private readonly dispatcher: Dispatcher | undefined;

  constructor(private readonly connection: KubeConnection) {
    this.dispatcher = connection.ca ? new Agent({ connect: { ca: connection.ca } }) : undefined;
  }

  async get(type: ResourceType, namespace: string, name: string): Promise<KubeObject | undefined> {
    try {
      return (await this.request('GET', itemPath(type, namespace, name))) as KubeObject;
    } catch (error: unknown) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async list(
    type: ResourceType,
    namespace?: string,
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const list = (await this.request('GET', collectionPath(type, namespace))) as {
      items: KubeObject[];
      metadata: { resourceVersion: string };
    };
    // Lists leave out apiVersion and kind on their items.
    const items = list.items.map((item) => ({
      ...item,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
    }));
    return { items, resourceVersion: list.metadata.resourceVersion };
  }

  create(type: ResourceType, namespace: string, object: KubeObject): Promise<KubeObject> {
    return this.request('POST', collectionPath(type, namespace), {
      body: object,
    }) as Promise<KubeObject>;
  }

  replace(type: ResourceType, namespace: string, object: KubeObject): Promise<KubeObject> {
    const path = itemPath(type, namespace, object.metadata.name);
    return this.request('PUT', path, { body: object }) as Promise<KubeObject>;
  }

  /** A JSON merge patch; include metadata.resourceVersion in it to fail on a concurrent change. */
  mergePatch(
    type: ResourceType,
    target: { namespace: string; name: string; subresource?: 'status' },
    patch: unknown,
  ): Promise<KubeObject> {
    const path =
      itemPath(type, target.namespace, target.name) +
      (target.subresource ? `/${target.subresource}` : '');
    return this.request('PATCH', path, {
      body: patch,
      contentType: 'application/merge-patch+json',
    }) as Promise<KubeObject>;
  }

  async delete(type: ResourceType, namespace: string, name: string): Promise<void> {
    await this.request('DELETE', itemPath(type, namespace, name));
  }

  /**
   * The changes after `resourceVersion`, until the server ends the stream or `signal` aborts.
   * A version the server no longer has ends in a KubeApiError with status 410 (list again).
   */
  async *watch(
    type: ResourceType,
    options: {
      namespace?: string;
      resourceVersion: string;
      timeoutSeconds: number;
      signal: AbortSignal;
    },
  ): AsyncGenerator<WatchEvent> {
    const query = `?watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(options.resourceVersion)}&timeoutSeconds=${options.timeoutSeconds}`;
    const response = await this.send('GET', collectionPath(type, options.namespace) + query, {
      signal: options.signal,
    });
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line === '') continue;
        const event = JSON.parse(line) as { type: string; object: Record<string, unknown> };
        if (event.type === 'ERROR') throw statusError(event.object);
        const object = event.object as KubeObject;
        yield {
          type: event.type as WatchEvent['type'],
          object: { ...object, apiVersion: apiVersionOf(type), kind: type.kind },
        };
      }
    }
  }

  private async request(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string } = {},
  ): Promise<unknown> {
    const response = await this.send(method, path, {
      ...options,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    return text === '' ? undefined : JSON.parse(text);
  }

  private async send(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; signal: AbortSignal },
  ) {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.connection.tokenFile
      ? readFileSync(this.connection.tokenFile, 'utf8').trim()
      : this.connection.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined)
      headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(this.connection.url + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      dispatcher: this.dispatcher,
    });
    if (!response.ok) {
      const text = await response.text();
      let status: Record<string, unknown> = {};
      try {
        status = JSON.parse(text) as Record<string, unknown>;
      } catch {
        status = { message: text };
      }
      throw statusError({ code: response.status, ...status });
    }
    return response;
  }
}

function statusError(status: Record<string, unknown>): KubeApiError {
  const code = Number(status.code ?? 500);
  return new KubeApiError(
    code,
    String(status.reason ?? ''),
    `${code} ${String(status.message ?? '')}`.trim(),
  );
}

function collectionPath(type: ResourceType, namespace?: string): string {
  const base = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  return namespace ? `${base}/namespaces/${namespace}/${type.plural}` : `${base}/${type.plural}`;
}

function itemPath(type: ResourceType, namespace: string, name: string): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}
