import type { IncomingMessage } from 'node:http';
import { GW_ERR, type GatewayError } from './gateway-errors.js';
import { queryParam } from './query-string.js';

interface VersionGroup<Api> {
  /** Header name (lower case) or query parameter name. */
  readonly name: string;
  readonly versions: Map<string, Api>;
}

/** The APIs published at one path: unversioned, and by version for each scheme. */
class PathEntry<Api> {
  unversioned: Api | undefined = undefined;
  segmentVersions: Map<string, Api> | undefined = undefined;
  readonly headerGroups: VersionGroup<Api>[] = [];
  readonly queryGroups: VersionGroup<Api>[] = [];
  /**
   * Where the operation part starts in a request path this entry matches: the request repeats the
   * API path segment by segment, so it is the API path's length plus its leading slash.
   */
  readonly end: number;

  constructor(end: number) {
    this.end = end;
  }
}

class PathNode<Api> {
  readonly children = new Map<string, PathNode<Api>>();
  entry: PathEntry<Api> | undefined = undefined;
}

/** Where routing writes its result: the fixed-shape request context implements it. */
export interface ApiRouteTarget<Api> {
  api: Api | undefined;
  /** Index in the path where the operation part starts (after the API path and any version segment). */
  operationPathStart: number;
}

export type VersionBy = { scheme: 'segment' | 'header' | 'query'; version: string; parameterName: string };

function group<Api>(groups: VersionGroup<Api>[], name: string): Map<string, Api> {
  let found = groups.find((g) => g.name === name);
  if (!found) {
    found = { name, versions: new Map() };
    groups.push(found);
  }
  return found.versions;
}

/**
 * A path trie: one node per path segment, so a lookup costs the request path's depth, not the
 * number of APIs; the deepest node holding APIs wins (`orders/eu` beats `orders`).
 */
class PathTrie<Api> {
  readonly #root = new PathNode<Api>();

  add(path: string, version: VersionBy | undefined, api: Api): string | undefined {
    let node = this.#root;
    for (const segment of path === '' ? [] : path.split('/')) {
      let next = node.children.get(segment);
      if (!next) {
        next = new PathNode<Api>();
        node.children.set(segment, next);
      }
      node = next;
    }
    const entry = (node.entry ??= new PathEntry<Api>(path === '' ? 0 : path.length + 1));
    let versions: Map<string, Api>;
    if (!version) {
      if (entry.unversioned !== undefined) return 'another unversioned API has the same path';
      entry.unversioned = api;
      return undefined;
    }
    if (version.scheme === 'segment') versions = entry.segmentVersions ??= new Map<string, Api>();
    else if (version.scheme === 'header') versions = group(entry.headerGroups, version.parameterName.toLowerCase());
    else versions = group(entry.queryGroups, version.parameterName);
    if (versions.has(version.version)) return `another API has the same path and version '${version.version}'`;
    versions.set(version.version, api);
    return undefined;
  }

  /** The entry of the longest API path that prefixes `path` (which starts with `/`). */
  longest(path: string): PathEntry<Api> | undefined {
    let node = this.#root;
    let entry = node.entry;
    let start = 0;
    while (start < path.length) {
      let end = path.indexOf('/', start + 1);
      if (end === -1) end = path.length;
      const next = node.children.get(path.slice(start + 1, end));
      if (!next) break;
      node = next;
      if (next.entry) entry = next.entry;
      start = end;
    }
    return entry;
  }
}

/** A wildcard host name `*.example.com` is keyed by what follows this: `example.com`. */
const WILDCARD_PREFIX = '*.';

/**
 * The request's host as API host names are written: lower case, without port or trailing dot;
 * `undefined` when there is none or it is an IP literal (`[::1]`), which no host name matches.
 */
function requestHost(req: IncomingMessage): string | undefined {
  const raw = req.headers.host;
  if (raw === undefined || raw === '' || raw.charCodeAt(0) === 91 /* [ */) return undefined;
  let end = raw.indexOf(':');
  if (end === -1) end = raw.length;
  if (raw.charCodeAt(end - 1) === 46 /* . */) end--;
  return (end === raw.length ? raw : raw.slice(0, end)).toLowerCase();
}

/**
 * Routes a request to an API by Host, then longest path prefix, then version. APIs that name
 * host names live in one path trie per host name (`*.example.com` ones in one per parent
 * domain), host-less APIs in a default trie, so a lookup is two Map gets plus at most three
 * walks of the request path's depth: the cost does not grow with the number of APIs or hosts.
 *
 * The longest API path across the request host's tries wins; at equal length the exact host
 * beats the wildcard, which beats a host-less API. The version is then chosen among the APIs of
 * that one path and host (no fallback to a less specific host).
 */
export class ApiRouter<Api> {
  /** APIs without host names. */
  readonly #anyHost = new PathTrie<Api>();
  readonly #byHost = new Map<string, PathTrie<Api>>();
  /** By parent domain: `*.example.com` is under `example.com`. */
  readonly #byWildcardParent = new Map<string, PathTrie<Api>>();

  /**
   * Adds an API at `path` on `hostname` (`''`: any host; `*.example.com`: one label under
   * example.com); the host name must already be valid and in lower case. Returns a description of
   * the clash when the path (and version) is already taken on that host.
   */
  add(hostname: string, path: string, version: VersionBy | undefined, api: Api): string | undefined {
    let trie = this.#anyHost;
    if (hostname !== '') {
      const wildcard = hostname.startsWith(WILDCARD_PREFIX);
      const tries = wildcard ? this.#byWildcardParent : this.#byHost;
      const key = wildcard ? hostname.slice(WILDCARD_PREFIX.length) : hostname;
      let found = tries.get(key);
      if (!found) {
        found = new PathTrie<Api>();
        tries.set(key, found);
      }
      trie = found;
    }
    const clash = trie.add(path, version, api);
    return clash === undefined || hostname === '' ? clash : `${clash} on host '${hostname}'`;
  }

  /** Routes `path` (starting with `/`); writes the API into `target` or returns the 404 to send. */
  route(path: string, query: string, req: IncomingMessage, target: ApiRouteTarget<Api>): GatewayError | undefined {
    let entry: PathEntry<Api> | undefined;
    // Gateways whose APIs name no host (most) never look at the Host header.
    if (this.#byHost.size !== 0 || this.#byWildcardParent.size !== 0) {
      const host = requestHost(req);
      if (host !== undefined) {
        entry = this.#byHost.get(host)?.longest(path);
        const dot = host.indexOf('.');
        const wildcard = dot > 0 ? this.#byWildcardParent.get(host.slice(dot + 1))?.longest(path) : undefined;
        if (wildcard !== undefined && (entry === undefined || wildcard.end > entry.end)) entry = wildcard;
      }
    }
    const anyHost = this.#anyHost.longest(path);
    if (anyHost !== undefined && (entry === undefined || anyHost.end > entry.end)) entry = anyHost;
    if (!entry) return GW_ERR.apiNotFound;
    return selectVersion(entry, path, query, req, target);
  }
}

/** Picks the API among those published at the matched path, by version segment, header or query. */
function selectVersion<Api>(
  entry: PathEntry<Api>,
  path: string,
  query: string,
  req: IncomingMessage,
  target: ApiRouteTarget<Api>,
): GatewayError | undefined {
  const entryEnd = entry.end;
  target.operationPathStart = entryEnd;
  if (entry.segmentVersions && entryEnd < path.length) {
    let end = path.indexOf('/', entryEnd + 1);
    if (end === -1) end = path.length;
    const api = entry.segmentVersions.get(path.slice(entryEnd + 1, end));
    if (api !== undefined) {
      target.api = api;
      target.operationPathStart = end;
      return undefined;
    }
  }
  for (const { name, versions } of entry.headerGroups) {
    const value = req.headers[name];
    const api = typeof value === 'string' ? versions.get(value) : undefined;
    if (api !== undefined) {
      target.api = api;
      return undefined;
    }
  }
  for (const { name, versions } of entry.queryGroups) {
    const value = query === '' ? undefined : queryParam(query, name);
    const api = value === undefined ? undefined : versions.get(value);
    if (api !== undefined) {
      target.api = api;
      return undefined;
    }
  }
  if (entry.unversioned === undefined) return GW_ERR.apiVersionNotFound;
  target.api = entry.unversioned;
  return undefined;
}
