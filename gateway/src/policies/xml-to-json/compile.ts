import { PolicyError } from '../../pipeline/policy-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { shouldConvert, type ConversionRule } from '../json-to-xml/conversion-rules.js';
import { declareBodyRead, readableBody, replaceBody } from '../set-body/message-body.js';
import { createXmlReader, XmlSyntaxError } from './xml-reader.js';
import type { XmlToJsonConfig } from './schema.js';

export const JSON_CONTENT_TYPE = 'application/json';

/**
 * xml-to-json: converts an XML body to JSON (`kind` direct or javascript-friendly) and sets
 * Content-Type to application/json. Works on the request in inbound and on the response in
 * outbound and on-error. A body that is not well-formed XML, or declares a DOCTYPE, fails the
 * statement: 400 for the caller's request, 502 for the backend's response, through on-error.
 *
 * @example createXmlToJson({ kind: 'javascript-friendly', apply: 'content-type-xml', 'consider-accept-header': false, 'always-array-child-elements': false }, deps)
 */
export function createXmlToJson(config: XmlToJsonConfig, deps: StatementDeps): StatementHandler {
  const response = declareBodyRead(deps);
  const rule: ConversionRule = {
    onlyContentType: config.apply === 'content-type-xml',
    considerAccept: config['consider-accept-header'],
    format: 'xml',
    target: 'json',
  };
  const reader = createXmlReader(config.kind, config['always-array-child-elements']);
  const where = `${deps.path} xml-to-json`;
  const whose = response ? 'response' : 'request';
  const status = response ? 502 : 400;
  return function convertXmlToJson(ctx) {
    if (!shouldConvert(rule, ctx, response)) return Outcome.continue;
    const body = readableBody(ctx, response);
    if (body === undefined || body.length === 0) return Outcome.continue;
    let json: string;
    try {
      json = reader.toJson(body.toString('utf8'));
    } catch (error) {
      if (!(error instanceof XmlSyntaxError)) throw error;
      throw new PolicyError(
        'xml-to-json',
        'invalid-xml',
        status,
        `The ${whose} body is not XML that can be converted: ${error.message}.`,
        where,
      );
    }
    replaceBody(ctx, response, Buffer.from(json), JSON_CONTENT_TYPE);
    return Outcome.continue;
  };
}
