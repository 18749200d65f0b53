import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUrlTemplate } from '../../operations/url-template.js';
import { ImportError, type ImportedApi, type ImportSource } from './imported-api.js';
import { importProto } from './proto-import.js';

/** grpc-proto's root: imports in its files are relative to it, as protoc's -I would make them. */
const protoRoot = resolve(import.meta.dirname, '../../../../../../shared/corpus/proto/grpc-proto');

function read(path: string): string {
  return readFileSync(join(protoRoot, path), 'utf8');
}

function corpusProto(path: string, imports: string[] = []): Promise<ImportedApi> {
  return importProto({ fileName: path, text: read(path), files: Object.fromEntries(imports.map((p) => [p, read(p)])) });
}

async function importError(source: ImportSource): Promise<ImportError> {
  const error: unknown = await importProto(source).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportError);
  return error as ImportError;
}

/** [name, clientStreaming, serverStreaming] of each operation. */
function streamingKinds(api: ImportedApi): [string, boolean, boolean][] {
  return api.operations.map((o) => {
    if (o.binding?.kind !== 'grpc') throw new Error(`${o.name} has no gRPC binding`);
    return [o.name, o.binding.clientStreaming, o.binding.serverStreaming];
  });
}

function expectStorable(api: ImportedApi): void {
  const routes = api.operations.map((o) => {
    expect(parseUrlTemplate(o.urlTemplate), o.urlTemplate).toMatchObject({ ok: true });
    return `${o.method} ${o.urlTemplate}`;
  });
  expect(new Set(routes).size).toBe(routes.length);
  expect(new Set(api.operations.map((o) => o.name)).size).toBe(api.operations.length);
}

const TESTING_IMPORTS = ['grpc/testing/empty.proto', 'grpc/testing/messages.proto'];

describe('proto import: the grpc-proto corpus', () => {
  it('imports helloworld: one unary RPC at its gRPC path', async () => {
    const api = await corpusProto('grpc/examples/helloworld.proto');
    expect(api).toMatchObject({
      type: 'grpc',
      sourceFormat: 'protobuf',
      name: 'helloworld',
      suggestedPath: '',
      serviceUrl: undefined,
      warnings: [],
    });
    expect(api.description).toBe('The greeting service definition.');
    const [sayHello] = api.operations;
    expect(sayHello).toMatchObject({
      name: 'Greeter.SayHello',
      method: 'POST',
      urlTemplate: '/helloworld.Greeter/SayHello',
      description: 'Sends a greeting',
    });
    expect(sayHello?.binding).toEqual({
      kind: 'grpc',
      service: 'helloworld.Greeter',
      method: 'SayHello',
      clientStreaming: false,
      serverStreaming: false,
      inputType: 'helloworld.HelloRequest',
      outputType: 'helloworld.HelloReply',
    });
    expect(sayHello?.request?.representations).toEqual([
      {
        contentType: 'application/grpc',
        schema: {
          type: 'object',
          properties: { name: { type: 'string' } },
          description: "The request message containing the user's name.",
        },
      },
    ]);
  });

  it('imports health: Check and List unary, Watch server-streaming', async () => {
    const api = await corpusProto('grpc/health/v1/health.proto');
    expect(api.declaredVersion).toBe('v1');
    expect(streamingKinds(api)).toEqual([
      ['Health.Check', false, false],
      ['Health.List', false, false],
      ['Health.Watch', false, true],
    ]);
    expect(api.operations.find((o) => o.name === 'Health.Watch')?.responses[0]?.description).toBe(
      'A stream of grpc.health.v1.HealthCheckResponse messages',
    );
  });

  it.each(['v1', 'v1alpha'])('imports reflection %s: one bidirectional-streaming RPC', async (version) => {
    const api = await corpusProto(`grpc/reflection/${version}/reflection.proto`);
    expect(streamingKinds(api)).toEqual([['ServerReflection.ServerReflectionInfo', true, true]]);
    expect(api.operations[0]?.urlTemplate).toBe(`/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`);
  });

  it('imports testing/test.proto: all four kinds across its seven services, types from imported files', async () => {
    const api = await corpusProto('grpc/testing/test.proto', TESTING_IMPORTS);
    expect(api.name).toBe('grpc.testing');
    expect(new Set(api.operations.map((o) => o.binding?.kind === 'grpc' && o.binding.service))).toEqual(
      new Set(
        [
          'TestService',
          'UnimplementedService',
          'ReconnectService',
          'LoadBalancerStatsService',
          'HookService',
          'XdsUpdateHealthService',
          'XdsUpdateClientConfigureService',
        ].map((s) => `grpc.testing.${s}`),
      ),
    );
    const kinds = new Map(streamingKinds(api).map(([name, client, server]) => [name, [client, server]]));
    expect(kinds.get('TestService.UnaryCall')).toEqual([false, false]);
    expect(kinds.get('TestService.StreamingOutputCall')).toEqual([false, true]);
    expect(kinds.get('TestService.StreamingInputCall')).toEqual([true, false]);
    expect(kinds.get('TestService.FullDuplexCall')).toEqual([true, true]);
    expect(kinds.get('TestService.HalfDuplexCall')).toEqual([true, true]);
    expect(api.operations).toHaveLength(20);
    expectStorable(api);
  });

  it('describes messages in the proto3 JSON mapping: camelCase names, enums by name', async () => {
    const api = await corpusProto('grpc/testing/test.proto', TESTING_IMPORTS);
    const unary = api.operations.find((o) => o.name === 'TestService.UnaryCall');
    expect(unary?.binding).toMatchObject({ inputType: 'grpc.testing.SimpleRequest', outputType: 'grpc.testing.SimpleResponse' });
    const schema = unary?.request?.representations[0]?.schema as {
      properties: Record<string, { type?: unknown; enum?: unknown }>;
    };
    expect(Object.keys(schema.properties)).toContain('responseSize');
    expect(schema.properties.responseSize).toMatchObject({ type: 'integer', format: 'int32' });
    expect(schema.properties.responseType).toMatchObject({ type: 'string', enum: ['COMPRESSABLE'] });
  });

  it('uploaded flat beside test.proto, imported files still resolve', async () => {
    const files = Object.fromEntries(TESTING_IMPORTS.map((p) => [p.split('/').pop() as string, read(p)]));
    const api = await importProto({ fileName: 'test.proto', text: read('grpc/testing/test.proto'), files });
    expect(api.operations).toHaveLength(20);
  });

  it('imports channelz with the well-known types protobufjs bundles', async () => {
    const api = await corpusProto('grpc/channelz/v1/channelz.proto');
    const getTopChannels = api.operations.find((o) => o.name === 'Channelz.GetTopChannels');
    expect(getTopChannels?.request?.representations[0]?.schema).toMatchObject({
      properties: { startChannelId: { type: ['string', 'integer'], format: 'int64' }, maxResults: { format: 'int64' } },
    });
    const server = JSON.stringify(api.operations.find((o) => o.name === 'Channelz.GetServer')?.responses[0]?.representations);
    expect(server).toContain('"lastCallStartedTimestamp":{"type":"string","format":"date-time"');
  });
});

describe('proto import: schemas', () => {
  it('emits a recursive message once under $defs', async () => {
    const text =
      'syntax = "proto3";\npackage tree;\nservice Trees { rpc Get (Node) returns (Node); }\nmessage Node {\n  string name = 1;\n  repeated Node children = 2;\n  map<string, Node> by_name = 3;\n}\n';
    const api = await importProto({ fileName: 'tree.proto', text });
    expect(api.operations[0]?.request?.representations[0]?.schema).toEqual({
      $ref: '#/$defs/tree.Node',
      $defs: {
        'tree.Node': {
          type: 'object',
          properties: {
            name: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/$defs/tree.Node' } },
            byName: { type: 'object', additionalProperties: { $ref: '#/$defs/tree.Node' } },
          },
        },
      },
    });
  });
});

describe('proto import: refusals', () => {
  it('reports a syntax error at the parser’s line', async () => {
    const error = await importError({
      fileName: 'bad.proto',
      text: 'syntax = "proto3";\npackage a;\nservice S {\n  rpc M (X) returns (X)\n}\nmessage X {}\n',
    });
    expect(error.issues).toEqual([{ pointer: '', line: 5, file: 'bad.proto', message: "illegal token '}', ';' expected" }]);
  });

  it('reports a syntax error in an imported file with that file and line', async () => {
    const files = {
      'grpc/testing/empty.proto': 'syntax = "proto3";\npackage grpc.testing;\nmessage Empty {\n  int32 = 1;\n}\n',
      'grpc/testing/messages.proto': read('grpc/testing/messages.proto'),
    };
    const error = await importError({ fileName: 'grpc/testing/test.proto', text: read('grpc/testing/test.proto'), files });
    expect(error.issues[0]).toMatchObject({ file: 'grpc/testing/empty.proto', line: 4 });
  });

  it('refuses unresolved types where they are used, naming the imports that were not uploaded', async () => {
    const error = await importError({ fileName: 'grpc/testing/test.proto', text: read('grpc/testing/test.proto') });
    expect(error.issues).toContainEqual({
      pointer: '/services/grpc.testing.TestService/methods/EmptyCall',
      file: 'grpc/testing/test.proto',
      line: 32,
      message: 'no such type: grpc.testing.Empty',
    });
    expect(error.issues).toContainEqual(
      expect.objectContaining({
        pointer: '/imports/grpc/testing/empty.proto',
        line: 21,
        message: "imported file 'grpc/testing/empty.proto' is not among the uploaded files",
      }),
    );
  });

  it('imports despite an import nothing uses (options only), with a warning', async () => {
    const text =
      'syntax = "proto3";\nimport "google/api/annotations.proto";\nservice S { rpc M (X) returns (X); }\nmessage X {}\n';
    const api = await importProto({ fileName: 's.proto', text });
    expect(api.operations.map((o) => o.urlTemplate)).toEqual(['/S/M']);
    expect(api.warnings).toEqual([expect.objectContaining({ pointer: '/imports/google/api/annotations.proto', line: 2 })]);
  });

  it('refuses a duplicate definition at the second declaration and a file without services', async () => {
    const duplicate = await importError({ fileName: 'd.proto', text: 'syntax = "proto3";\nmessage X {}\nmessage X {}\n' });
    expect(duplicate.issues[0]).toMatchObject({ line: 3, message: "duplicate name 'X' in Root" });
    const empty = await importError({ fileName: 'e.proto', text: 'syntax = "proto3";\nmessage X {}\n' });
    expect(empty.issues[0]).toMatchObject({
      pointer: '/services',
      message: expect.stringContaining('declares no service') as string,
    });
  });
});
