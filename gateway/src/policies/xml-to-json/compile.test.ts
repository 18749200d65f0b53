import { describe, expect, it } from 'vitest';
import { runExchange, runInbound } from '../../pipeline/testing.js';

const soap =
  '<?xml version="1.0"?><s:Envelope xmlns:s="urn:soap"><s:Body><order id="7"><zip>007</zip><total>12.5</total>' +
  '<line>a &amp; b</line><line>&#65;</line></order></s:Body></s:Envelope>';

const convertBackend = async (config: Record<string, unknown>, body: string, contentType = 'application/xml') =>
  runExchange(
    { outbound: [{ 'xml-to-json': { 'consider-accept-header': false, ...config } }] },
    {},
    { backendResponse: { status: 200, headers: ['content-type', contentType], body } },
  );

describe('xml-to-json at run time', () => {
  it('javascript-friendly: plain attribute names, no namespaces, numbers as numbers', async () => {
    const ctx = await convertBackend({ kind: 'javascript-friendly', apply: 'content-type-xml' }, soap);
    expect(JSON.parse(ctx.response!.body!.toString())).toEqual({
      Envelope: { Body: { order: { id: '7', zip: '007', total: 12.5, line: ['a & b', 'A'] } } },
    });
    expect(ctx.response?.headers.get('content-type')).toEqual(['application/json']);
  });

  it('direct: the document as written, every value a string', async () => {
    const ctx = await convertBackend({ kind: 'direct', apply: 'always' }, soap, 'text/plain');
    expect(JSON.parse(ctx.response!.body!.toString())).toEqual({
      '?xml': { '@version': '1.0' },
      's:Envelope': {
        '@xmlns:s': 'urn:soap',
        's:Body': { order: { '@id': '7', zip: '007', total: '12.5', line: ['a & b', 'A'] } },
      },
    });
  });

  it('makes every child element an array with always-array-child-elements', async () => {
    const ctx = await convertBackend(
      { kind: 'javascript-friendly', apply: 'always', 'always-array-child-elements': true },
      '<r><x>1</x><y><z>2</z></y></r>',
    );
    expect(JSON.parse(ctx.response!.body!.toString())).toEqual({ r: { x: [1], y: [{ z: [2] }] } });
  });

  it('converts only for callers accepting JSON by default, and only XML with content-type-xml', async () => {
    const document = { inbound: [{ 'xml-to-json': { kind: 'direct', apply: 'content-type-xml' } }] };
    const body = Buffer.from('<a>1</a>');
    const refused = await runInbound(document, { headers: ['content-type', 'text/xml', 'accept', '*/*'], body });
    expect(refused.request.body).toBe(body);
    const notXml = await runInbound(document, { headers: ['content-type', 'text/plain', 'accept', 'application/json'], body });
    expect(notXml.request.body).toBe(body);
    const converted = await runInbound(document, { headers: ['content-type', 'text/xml', 'accept', 'application/json'], body });
    expect(converted.request.body?.toString()).toBe('{"a":"1"}');
  });

  it('answers 400 for a request that is not XML and refuses DTDs (entity expansion)', async () => {
    const document = {
      inbound: [{ 'xml-to-json': { kind: 'direct', apply: 'always', 'consider-accept-header': false } }],
    };
    const broken = await runInbound(document, { body: Buffer.from('<a><b></a>') });
    expect(broken.response?.status).toBe(400);
    expect(broken.lastError?.reason).toBe('invalid-xml');
    expect(broken.lastError?.message).toContain("Expected closing tag 'b'");
    const bomb = '<!DOCTYPE a [<!ENTITY x "xxxxxxxxxx"><!ENTITY y "&x;&x;&x;&x;&x;&x;">]><a>&y;&y;&y;</a>';
    const refused = await runInbound(document, { body: Buffer.from(bomb) });
    expect(refused.response?.status).toBe(400);
    expect(refused.lastError?.message).toContain('DOCTYPE');
  });

  it('answers 502 for a backend body nested too deeply', async () => {
    const ctx = await convertBackend({ kind: 'direct', apply: 'always' }, '<a>'.repeat(500) + '</a>'.repeat(500));
    expect(ctx.response?.status).toBe(502);
    expect(ctx.lastError?.source).toBe('xml-to-json');
  });
});
