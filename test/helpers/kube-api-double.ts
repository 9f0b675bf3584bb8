/**
 * A stand-in for the Kubernetes API server, over real HTTP on 127.0.0.1, implementing what the
 * operator (and `kubectl get/create/patch/delete --raw`-style use) relies on — and refusing what
 * it does not implement instead of pretending:
 * - discovery (/api, /apis, group versions), /version
 * - core Secrets, Events, ConfigMaps, Services; apps Deployments (with the status subresource,
 *   which only a test writes: no controllers run); networking.k8s.io Ingresses;
 *   coordination.k8s.io Leases; the operator's CRDs, admitted
 *   with their schemas and CEL rules (kube-crd-validator.ts): 422 Invalid, defaults, pruning
 * - one resourceVersion counter; 409 Conflict on a stale resourceVersion in PUT or merge patch;
 *   409 AlreadyExists; metadata.generation bumped only by changes outside metadata and status
 * - the status subresource (main endpoint keeps status; /status changes only status)
 * - JSON merge patches (RFC 7386); 415 for strategic merge and JSON patch on custom resources
 * - deletion through finalizers (deletionTimestamp; gone when the last finalizer is removed; no
 *   new finalizers once deleting) and cascading deletion of owned objects (ownerReferences)
 * - watches from a resourceVersion (replay, then live; ADDED for all with ""/0), ending after
 *   timeoutSeconds, and 410 Gone (an ERROR event, as the real server sends) for versions older
 *   than the last compaction
 * Not implemented: label/field selectors, pagination (a `limit` that everything fits is fine), server-side apply, authentication,
 * Table output; requests for them get 400/415, never a silent wrong answer.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CrdValidator, loadCrds, type CrdVersion } from './kube-crd-validator.js';

type Json = Record<string, unknown>;
interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  generateName?: string;
  ownerReferences?: { uid: string }[];
  [field: string]: unknown;
}
interface StoredObject extends Json {
  apiVersion: string;
  kind: string;
  metadata: Meta;
}

interface TypeInfo {
  group: string;
  version: string;
  plural: string;
  kind: string;
  crd?: CrdVersion;
  /** A built-in kind with a status subresource (a Deployment's status is its controller's). */
  statusSubresource?: boolean;
}

interface LoggedEvent {
  rv: number;
  type: TypeInfo;
  namespace?: string;
  event: { type: string; object: StoredObject };
}

const hasStatus = (type: TypeInfo) => type.crd?.statusSubresource ?? type.statusSubresource;

class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const BUILTIN: TypeInfo[] = [
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' },
  { group: '', version: 'v1', plural: 'events', kind: 'Event' },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' },
  { group: '', version: 'v1', plural: 'services', kind: 'Service' },
  {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    kind: 'Deployment',
    statusSubresource: true,
  },
  { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress' },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' },
];

export class KubeApiDouble {
  readonly url: string;
  private readonly objects = new Map<string, StoredObject>();
  private readonly log: LoggedEvent[] = [];
  private readonly watchers = new Set<{
    type: TypeInfo;
    namespace?: string;
    response: ServerResponse;
  }>();
  private readonly validator = new CrdValidator();
  private rv = 100;
  private compactedBelow = 0;
  /** Every request: method and path with query, for assertions on what a client did. */
  readonly requests: string[] = [];

  private constructor(
    private readonly server: Server,
    port: number,
    private readonly types: TypeInfo[],
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(crdFolder = 'deploy/crds'): Promise<KubeApiDouble> {
    const types = [
      ...BUILTIN,
      ...loadCrds(crdFolder).map((crd) => ({
        group: crd.group,
        version: crd.version,
        plural: crd.plural,
        kind: crd.kind,
        crd,
      })),
    ];
    const holder: { double?: KubeApiDouble } = {};
    const server = createServer((req, res) => void holder.double!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.double = new KubeApiDouble(server, (server.address() as AddressInfo).port, types);
    return holder.double;
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.response.end();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Forgets the change history: watches from any earlier version now get 410 Gone. */
  compact(): void {
    this.compactedBelow = this.rv + 1;
    this.log.length = 0;
  }

  /** Ends every open watch, as an API server restart or a load balancer would. */
  dropWatches(): void {
    for (const w of this.watchers) w.response.end();
    this.watchers.clear();
  }

  /** The stored object (a copy), for assertions. */
  get(plural: string, namespace: string, name: string): StoredObject | undefined {
    const type = this.types.find((t) => t.plural === plural);
    const object = type && this.objects.get(keyOf(type, namespace, name));
    return object && structuredClone(object);
  }

  list(plural: string, namespace?: string): StoredObject[] {
    const type = this.types.find((t) => t.plural === plural)!;
    return this.itemsOf(type, namespace).map((o) => structuredClone(o));
  }

  // --- HTTP ---------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push(`${req.method} ${req.url}`);
    try {
      const url = new URL(req.url ?? '/', this.url);
      const body = await readBody(req);
      const discovery = this.discovery(url.pathname);
      if (discovery) return send(res, 200, discovery);
      const route = this.route(url.pathname);
      if (!route)
        throw new ApiFailure(
          404,
          'NotFound',
          `the server could not find the requested resource (${url.pathname})`,
        );
      for (const unsupported of ['labelSelector', 'fieldSelector', 'continue']) {
        if (url.searchParams.has(unsupported))
          throw new ApiFailure(
            400,
            'BadRequest',
            `the API double does not implement ${unsupported}`,
          );
      }
      const { type, namespace, name, subresource } = route;
      if (subresource && (subresource !== 'status' || !hasStatus(type))) {
        throw new ApiFailure(404, 'NotFound', `${type.plural}/${subresource} is not served`);
      }
      switch (req.method) {
        case 'GET':
          if (name) return send(res, 200, this.mustGet(type, namespace, name));
          if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
            return this.watch(type, namespace, url, res);
          }
          return send(
            res,
            200,
            this.listBody(type, namespace, Number(url.searchParams.get('limit') ?? 0)),
          );
        case 'POST':
          if (name || !namespace)
            throw new ApiFailure(405, 'MethodNotAllowed', 'POST goes to a namespaced collection');
          return send(res, 201, this.create(type, namespace, parseJson(body), url));
        case 'PUT':
          return send(
            res,
            200,
            this.update(type, { namespace, name, subresource }, parseJson(body), url),
          );
        case 'PATCH':
          return send(
            res,
            200,
            this.patch(type, { namespace, name, subresource }, { req, body, url }),
          );
        case 'DELETE':
          return send(res, 200, this.remove(type, namespace!, name!));
        default:
          throw new ApiFailure(405, 'MethodNotAllowed', `${req.method} is not supported`);
      }
    } catch (error: unknown) {
      const failure =
        error instanceof ApiFailure ? error : new ApiFailure(500, 'InternalError', String(error));
      send(res, failure.code, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: failure.message,
        reason: failure.reason,
        code: failure.code,
      });
    }
  }

  private discovery(path: string): Json | undefined {
    if (path === '/version')
      return {
        major: '1',
        minor: '31',
        gitVersion: 'v1.31.0-tollgate-double',
        platform: 'linux/amd64',
      };
    if (path === '/api')
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
    if (path === '/apis') {
      const groups = [
        ...new Set(this.types.filter((t) => t.group).map((t) => `${t.group}/${t.version}`)),
      ];
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups.map((gv) => {
          const [group, version] = gv.split('/') as [string, string];
          const preferred = { groupVersion: gv, version };
          return { name: group, versions: [preferred], preferredVersion: preferred };
        }),
      };
    }
    const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (!match) return undefined;
    const group = match[2] ?? '';
    const version = match[1] ?? match[3]!;
    const types = this.types.filter((t) => t.group === group && t.version === version);
    if (types.length === 0) return undefined;
    const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: types.flatMap((t) => [
        {
          name: t.plural,
          singularName: t.kind.toLowerCase(),
          namespaced: true,
          kind: t.kind,
          verbs,
        },
        ...(hasStatus(t)
          ? [
              {
                name: `${t.plural}/status`,
                singularName: '',
                namespaced: true,
                kind: t.kind,
                verbs: ['get', 'patch', 'update'],
              },
            ]
          : []),
      ]),
    };
  }

  private route(path: string) {
    const match =
      /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(
        path,
      );
    if (!match) return undefined;
    const group = match[2] ?? '';
    const version = match[1] ?? match[3]!;
    const type = this.types.find(
      (t) => t.group === group && t.version === version && t.plural === match[5],
    );
    if (!type) return undefined;
    return {
      type,
      namespace: match[4],
      name: match[6] && decodeURIComponent(match[6]),
      subresource: match[7],
    };
  }

  // --- verbs --------------------------------------------------------------------------------

  private mustGet(type: TypeInfo, namespace: string | undefined, name: string): StoredObject {
    const object = this.objects.get(keyOf(type, namespace ?? '', name));
    if (!object)
      throw new ApiFailure(
        404,
        'NotFound',
        `${type.plural}${type.group ? `.${type.group}` : ''} "${name}" not found`,
      );
    return object;
  }

  /** A `limit` is honoured only when everything fits in one page: there is no `continue`. */
  private listBody(type: TypeInfo, namespace: string | undefined, limit: number): Json {
    const items = this.itemsOf(type, namespace);
    if (limit > 0 && items.length > limit) {
      throw new ApiFailure(400, 'BadRequest', 'the API double does not paginate: raise limit');
    }
    return {
      kind: `${type.kind}List`,
      apiVersion: apiVersion(type),
      metadata: { resourceVersion: String(this.rv) },
      items,
    };
  }

  private itemsOf(type: TypeInfo, namespace?: string): StoredObject[] {
    const prefix = `${type.group}/${type.plural}/${namespace ? `${namespace}/` : ''}`;
    return [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, o]) => o);
  }

  private create(type: TypeInfo, namespace: string, input: Json, url: URL): StoredObject {
    const object = structuredClone(input) as StoredObject;
    const meta = (object.metadata ?? {}) as Meta;
    if (!meta.name && meta.generateName)
      meta.name = `${meta.generateName}${randomUUID().slice(0, 5)}`;
    if (!meta.name) throw new ApiFailure(422, 'Invalid', 'metadata.name: Required value');
    if (meta.namespace && meta.namespace !== namespace) {
      throw new ApiFailure(
        400,
        'BadRequest',
        'the namespace of the object does not match the namespace of the request',
      );
    }
    const key = keyOf(type, namespace, meta.name);
    if (this.objects.has(key))
      throw new ApiFailure(409, 'AlreadyExists', `${type.plural} "${meta.name}" already exists`);
    if (hasStatus(type)) delete object.status;
    object.apiVersion = apiVersion(type);
    object.kind = type.kind;
    object.metadata = {
      ...meta,
      namespace,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
      generation: 1,
      resourceVersion: '',
    };
    delete object.metadata.deletionTimestamp;
    this.admit(type, object, undefined, url);
    return this.store(type, object, 'ADDED');
  }

  private update(
    type: TypeInfo,
    target: { namespace?: string; name?: string; subresource?: string },
    input: Json,
    url: URL,
  ): StoredObject {
    const current = this.mustGet(type, target.namespace, target.name ?? '');
    const next = structuredClone(input) as StoredObject;
    const wanted = (next.metadata ?? {}).resourceVersion;
    if (!wanted && type.crd)
      throw new ApiFailure(
        422,
        'Invalid',
        'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
      );
    return this.commit(type, current, next, { subresource: target.subresource, url });
  }

  private patch(
    type: TypeInfo,
    target: { namespace?: string; name?: string; subresource?: string },
    request: { req: IncomingMessage; body: string; url: URL },
  ): StoredObject {
    const contentType = String(request.req.headers['content-type'] ?? '').split(';')[0];
    if (contentType !== 'application/merge-patch+json') {
      if (contentType === 'application/apply-patch+yaml')
        throw new ApiFailure(
          415,
          'UnsupportedMediaType',
          'the API double does not implement server-side apply',
        );
      if (type.crd || contentType !== 'application/strategic-merge-patch+json') {
        throw new ApiFailure(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json`,
        );
      }
    }
    const current = this.mustGet(type, target.namespace, target.name ?? '');
    const next = mergePatch(structuredClone(current), parseJson(request.body)) as StoredObject;
    return this.commit(type, current, next, { subresource: target.subresource, url: request.url });
  }

  /** The shared end of PUT and PATCH: preconditions, subresource rules, admission, store. */
  private commit(
    type: TypeInfo,
    current: StoredObject,
    next: StoredObject,
    how: { subresource?: string; url: URL },
  ): StoredObject {
    const wanted = next.metadata?.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) {
      throw new ApiFailure(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${type.plural} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    if (how.subresource === 'status') {
      // Only status changes through /status.
      next = { ...structuredClone(current), status: next.status };
    } else {
      if (hasStatus(type)) next.status = structuredClone(current.status);
      const immutable = [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'generation',
        'namespace',
        'name',
      ] as const;
      next.metadata = { ...next.metadata };
      for (const field of immutable) next.metadata[field] = current.metadata[field] as never;
      if (current.metadata.deletionTimestamp) {
        const added = (next.metadata.finalizers ?? []).filter(
          (f) => !(current.metadata.finalizers ?? []).includes(f),
        );
        if (added.length > 0)
          throw new ApiFailure(
            422,
            'Invalid',
            'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted',
          );
      }
      if (
        JSON.stringify(withoutMetaAndStatus(next)) !== JSON.stringify(withoutMetaAndStatus(current))
      ) {
        next.metadata.generation = (current.metadata.generation ?? 1) + 1;
      }
    }
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    this.admit(type, next, current, how.url);
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      return this.erase(type, next);
    }
    return this.store(type, next, 'MODIFIED');
  }

  private remove(type: TypeInfo, namespace: string, name: string): StoredObject {
    const current = this.mustGet(type, namespace, name);
    if ((current.metadata.finalizers ?? []).length > 0) {
      if (current.metadata.deletionTimestamp) return current;
      const next = structuredClone(current);
      next.metadata.deletionTimestamp = new Date().toISOString();
      return this.store(type, next, 'MODIFIED');
    }
    return this.erase(type, current);
  }

  private erase(type: TypeInfo, object: StoredObject): StoredObject {
    this.objects.delete(keyOf(type, object.metadata.namespace ?? '', object.metadata.name));
    this.rv++;
    object.metadata.resourceVersion = String(this.rv);
    this.publish(type, 'DELETED', object);
    // The garbage collector: objects owned by this one go too.
    for (const t of this.types) {
      for (const owned of this.itemsOf(t)) {
        if (owned.metadata.ownerReferences?.some((r) => r.uid === object.metadata.uid)) {
          this.remove(t, owned.metadata.namespace ?? '', owned.metadata.name);
        }
      }
    }
    return object;
  }

  private admit(
    type: TypeInfo,
    object: StoredObject,
    old: StoredObject | undefined,
    url: URL,
  ): void {
    if (!type.crd) return;
    const result = this.validator.admit(type.crd, object as Json, old as Json | undefined);
    if (url.searchParams.get('fieldValidation') === 'Strict') {
      result.errors.push(...result.unknownFields.map((f) => `${f}: unknown field "${f}"`));
    }
    if (result.errors.length > 0) {
      throw new ApiFailure(
        422,
        'Invalid',
        `${type.kind}.${type.group} "${object.metadata.name}" is invalid: ${result.errors.join(', ')}`,
      );
    }
  }

  private store(type: TypeInfo, object: StoredObject, event: 'ADDED' | 'MODIFIED'): StoredObject {
    this.rv++;
    object.metadata.resourceVersion = String(this.rv);
    this.objects.set(keyOf(type, object.metadata.namespace ?? '', object.metadata.name), object);
    this.publish(type, event, object);
    return object;
  }

  // --- watch --------------------------------------------------------------------------------

  private publish(type: TypeInfo, eventType: string, object: StoredObject): void {
    const entry = {
      rv: this.rv,
      type,
      namespace: object.metadata.namespace,
      event: { type: eventType, object: structuredClone(object) },
    };
    this.log.push(entry);
    for (const w of this.watchers) {
      if (w.type === type && (!w.namespace || w.namespace === entry.namespace))
        w.response.write(`${JSON.stringify(entry.event)}\n`);
    }
  }

  private watch(
    type: TypeInfo,
    namespace: string | undefined,
    url: URL,
    res: ServerResponse,
  ): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const from = url.searchParams.get('resourceVersion') ?? '';
    const write = (event: unknown) => res.write(`${JSON.stringify(event)}\n`);
    if (from === '' || from === '0') {
      for (const object of this.itemsOf(type, namespace)) write({ type: 'ADDED', object });
    } else if (Number(from) < this.compactedBelow) {
      write({
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Expired',
          code: 410,
          message: `too old resource version: ${from} (${this.compactedBelow})`,
        },
      });
      res.end();
      return;
    } else {
      for (const entry of this.log) {
        if (
          entry.rv > Number(from) &&
          entry.type === type &&
          (!namespace || entry.namespace === namespace)
        )
          write(entry.event);
      }
    }
    const watcher = { type, namespace, response: res };
    this.watchers.add(watcher);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 1800);
    const timer = setTimeout(() => res.end(), timeout * 1000);
    res.on('close', () => {
      clearTimeout(timer);
      this.watchers.delete(watcher);
    });
  }
}

function keyOf(type: TypeInfo, namespace: string, name: string): string {
  return `${type.group}/${type.plural}/${namespace}/${name}`;
}

function apiVersion(type: TypeInfo): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

function withoutMetaAndStatus(object: StoredObject): Json {
  const { metadata: _m, status: _s, ...rest } = object;
  return rest;
}

/** RFC 7386: objects merge, null removes, anything else (arrays too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Json =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Json) }
      : {};
  for (const [key, value] of Object.entries(patch as Json)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function parseJson(body: string): Json {
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value !== 'object' || value === null) throw new Error('not an object');
    return value as Json;
  } catch (error: unknown) {
    throw new ApiFailure(
      400,
      'BadRequest',
      `the request body is not a JSON object: ${(error as Error).message}`,
    );
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
