import { SegmentRouter } from './operation-router.js';
import { bindTemplateParams, parseUrlTemplate } from './url-template.js';

/**
 * The parameters `path` binds in URL template `template` (`/orders/{id}` and `/orders/7` →
 * id = 7), matched exactly as the gateway routes; undefined when the path does not match, and a
 * reason when the template itself is invalid. For dry runs, where no routing table exists.
 */
export function matchUrlTemplate(
  template: string,
  path: string,
): { params: Map<string, string> } | { mismatch: true } | { invalid: string } {
  const parsed = parseUrlTemplate(template);
  if (!parsed.ok) return { invalid: parsed.reason };
  const router = new SegmentRouter<true>();
  router.add(parsed.segments, true);
  if (router.match(path, 0) === undefined) return { mismatch: true };
  return { params: bindTemplateParams(parsed.segments, path, 0) };
}
