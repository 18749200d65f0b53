import { PolicyError } from '../../pipeline/policy-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { declareBodyRead, readableBody, replaceBody } from '../set-body/message-body.js';
import { shouldConvert, type ConversionRule } from './conversion-rules.js';
import { JsonSyntaxError, readJson } from './json-tree.js';
import { jsonToXml, XmlConversionError, type JsonToXmlOptions } from './xml-writer.js';
import type { JsonToXmlConfig } from './schema.js';

export const XML_CONTENT_TYPE = 'application/xml';

/**
 * json-to-xml: converts a JSON body to XML, wrapped in `<Document>` as Azure does, and sets
 * Content-Type to application/xml. Works on the request in inbound and on the response in
 * outbound and on-error. A body that is not JSON fails the statement: 400 for the caller's
 * request, 502 for the backend's response, through on-error.
 *
 * @example createJsonToXml({ apply: 'content-type-json', 'consider-accept-header': false, 'parse-date': true }, deps)
 */
export function createJsonToXml(config: JsonToXmlConfig, deps: StatementDeps): StatementHandler {
  const response = declareBodyRead(deps);
  const rule: ConversionRule = {
    onlyContentType: config.apply === 'content-type-json',
    considerAccept: config['consider-accept-header'],
    format: 'json',
    target: 'xml',
  };
  const options: JsonToXmlOptions = {
    parseDate: config['parse-date'],
    attributeBlockName: config['attribute-block-name'],
    namespaceSeparator: config['namespace-separator'],
    namespacePrefix: config['namespace-prefix'],
  };
  const where = `${deps.path} json-to-xml`;
  const whose = response ? 'response' : 'request';
  const status = response ? 502 : 400;
  return function convertJsonToXml(ctx) {
    if (!shouldConvert(rule, ctx, response)) return Outcome.continue;
    const body = readableBody(ctx, response);
    if (body === undefined || body.length === 0) return Outcome.continue;
    let xml: string;
    try {
      xml = jsonToXml(readJson(body.toString('utf8').replace(/^\uFEFF/, '')), options);
    } catch (error) {
      if (!(error instanceof JsonSyntaxError || error instanceof XmlConversionError)) throw error;
      throw new PolicyError(
        'json-to-xml',
        'invalid-json',
        status,
        `The ${whose} body cannot be converted to XML: ${error.message}.`,
        where,
      );
    }
    replaceBody(ctx, response, Buffer.from(xml), XML_CONTENT_TYPE);
    return Outcome.continue;
  };
}
