import { describe, expect, it } from 'vitest';
import { ImportError } from './imported-api.js';
import { detectFormat, importSpec } from './import-spec.js';

describe('format detection', () => {
  it.each([
    ['openapi: 3.1.0\ninfo: {}', 'openapi'],
    ['# a comment\nswagger: "2.0"', 'openapi'],
    ['{ "openapi": "3.0.3", "info": {} }', 'openapi'],
    ['<?xml version="1.0"?>\n<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">', 'wsdl'],
    ['<?xml version="1.0"?><edmx:Edmx Version="4.0">', 'odata'],
    ['syntax = "proto3";\npackage helloworld;\nservice Greeter {}', 'protobuf'],
    ['type Query {\n  hello: String\n}', 'graphql'],
    ['schema { query: Root }', 'graphql'],
  ] as const)('%j is %s', (text, format) => {
    expect(detectFormat(text)).toBe(format);
  });

  it('refuses what it cannot recognise, saying how to proceed', async () => {
    await expect(importSpec({ fileName: 'x.txt', text: 'hello: world' })).rejects.toBeInstanceOf(ImportError);
    await expect(importSpec({ fileName: 'x.txt', text: '<html></html>' })).rejects.toThrow(/give "format"/);
  });
});
