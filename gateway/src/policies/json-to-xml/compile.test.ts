import { describe, expect, it } from 'vitest';
import { runExchange, runInbound } from '../../pipeline/testing.js';
import { readJson } from './json-tree.js';
import { encodeXmlName, jsonToXml, xmlDateTime, type JsonToXmlOptions } from './xml-writer.js';

const options: JsonToXmlOptions = {
  parseDate: true,
  attributeBlockName: undefined,
  namespaceSeparator: undefined,
  namespacePrefix: undefined,
};
const convert = (json: string, extra: Partial<JsonToXmlOptions> = {}) => jsonToXml(readJson(json), { ...options, ...extra });

describe('json-to-xml conversion', () => {
  it('wraps the document in <Document>, repeats arrays and escapes text', () => {
    expect(convert('{"order":{"id":12345678901234567890,"lines":[{"sku":"a<b"},{"sku":"c&d"}],"note":null,"paid":true}}')).toBe(
      '<Document><order><id>12345678901234567890</id><lines><sku>a&lt;b</sku></lines><lines><sku>c&amp;d</sku></lines>' +
        '<note /><paid>true</paid></order></Document>',
    );
    expect(convert('[1,2]')).toBe('<Document><item>1</item><item>2</item></Document>');
  });

  it('encodes names XML cannot carry as .NET does', () => {
    expect(encodeXmlName('order id')).toBe('order_x0020_id');
    expect(encodeXmlName('1st')).toBe('_x0031_st');
    expect(encodeXmlName('a_x0020_b')).toBe('a_x005F_x0020_b');
    expect(encodeXmlName('valid-name.1')).toBe('valid-name.1');
  });

  it('writes attribute blocks and namespaces', () => {
    const json = '{"s_Envelope":{"xmlns_s":"urn:soap","$attrs":{"version":"1.2"},"s_Body":{"item":"x"}}}';
    expect(convert(json, { attributeBlockName: '$attrs', namespaceSeparator: '_', namespacePrefix: 'xmlns' })).toBe(
      '<Document><s:Envelope xmlns:s="urn:soap" version="1.2"><s:Body><item>x</item></s:Body></s:Envelope></Document>',
    );
  });

  it('normalises ISO date-times only with parse-date', () => {
    expect(xmlDateTime('2024-05-01T10:00:00.000Z')).toBe('2024-05-01T10:00:00Z');
    expect(xmlDateTime('2024-05-01T10:00')).toBe('2024-05-01T10:00:00');
    expect(xmlDateTime('2024-13-01T10:00')).toBe('2024-13-01T10:00');
    expect(convert('{"at":"2024-05-01T10:00:00.500+02:00"}', { parseDate: false })).toBe(
      '<Document><at>2024-05-01T10:00:00.500+02:00</at></Document>',
    );
  });
});

describe('json-to-xml at run time', () => {
  const request = (body: string, headers: string[] = ['content-type', 'application/json']) => ({
    method: 'POST',
    headers,
    body: Buffer.from(body),
  });

  it('converts a JSON request and sets its Content-Type', async () => {
    const ctx = await runInbound(
      { inbound: [{ 'json-to-xml': { apply: 'content-type-json', 'consider-accept-header': false } }] },
      request('{"a":1}'),
    );
    expect(ctx.request.body?.toString()).toBe('<Document><a>1</a></Document>');
    expect(ctx.request.headers.get('content-type')).toEqual(['application/xml']);
  });

  it('leaves bodies alone when the content type or the Accept header says so', async () => {
    const byType = await runInbound(
      { inbound: [{ 'json-to-xml': { apply: 'content-type-json', 'consider-accept-header': false } }] },
      request('{"a":1}', ['content-type', 'text/plain']),
    );
    expect(byType.request.body?.toString()).toBe('{"a":1}');
    const byAccept = await runInbound(
      { inbound: [{ 'json-to-xml': { apply: 'always' } }] },
      request('{"a":1}', ['accept', 'application/json']),
    );
    expect(byAccept.request.body?.toString()).toBe('{"a":1}');
  });

  it('converts the response in outbound when the caller accepts XML', async () => {
    const ctx = await runExchange(
      { outbound: [{ 'json-to-xml': { apply: 'always' } }] },
      { headers: ['accept', 'application/xml'] },
      { backendResponse: { status: 200, headers: ['content-type', 'application/json'], body: '{"ok":true}' } },
    );
    expect(ctx.response?.body?.toString()).toBe('<Document><ok>true</ok></Document>');
    expect(ctx.response?.headers.get('content-type')).toEqual(['application/xml']);
  });

  it('answers 400 for a request that is not JSON, through on-error', async () => {
    const ctx = await runInbound(
      {
        inbound: [{ 'json-to-xml': { apply: 'always', 'consider-accept-header': false } }],
        'on-error': [{ 'set-header': { name: 'x-error', value: ['@(context.lastError.reason)'] } }],
      },
      request('{"a":'),
    );
    expect(ctx.response?.status).toBe(400);
    expect(ctx.response?.headers.get('x-error')).toEqual(['invalid-json']);
    expect(ctx.lastError?.message).toBe('The request body cannot be converted to XML: unexpected end of the JSON at position 5.');
  });

  it('answers 502 for a backend body that is not JSON, and refuses hostile nesting', async () => {
    const ctx = await runExchange(
      { outbound: [{ 'json-to-xml': { apply: 'always', 'consider-accept-header': false } }] },
      {},
      { backendResponse: { status: 200, body: '['.repeat(100_000) } },
    );
    expect(ctx.response?.status).toBe(502);
    expect(ctx.lastError?.message).toContain('nesting deeper than 64');
  });
});
