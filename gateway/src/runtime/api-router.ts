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
 * The API path trie: one node per path segment, so a lookup costs the request path's depth,
 * not the number of APIs; the deepest node holding APIs wins (`orders/eu` beats `orders`).
 */
export class ApiRouter<Api> {
  readonly #root = new PathNode<Api>();

  /** Adds an API; returns a description of the clash when the path (and version) is already taken. */
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
    const entry = (node.entry ??= new PathEntry<Api>());
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

  /** Routes `path` (starting with `/`); writes the API into `target` or returns the 404 to send. */
  route(path: string, query: string, req: IncomingMessage, target: ApiRouteTarget<Api>): GatewayError | undefined {
    let node = this.#root;
    let entry = node.entry;
    let entryEnd = 0;
    let start = 0;
    while (start < path.length) {
      let end = path.indexOf('/', start + 1);
      if (end === -1) end = path.length;
      const next = node.children.get(path.slice(start + 1, end));
      if (!next) break;
      node = next;
      if (next.entry) {
        entry = next.entry;
        entryEnd = end;
      }
      start = end;
    }
    if (!entry) return GW_ERR.apiNotFound;
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
}
