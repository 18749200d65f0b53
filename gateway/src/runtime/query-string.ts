/** The raw value of the first `name` parameter in a query string (without `?`); '' for `name` alone. */
export function queryParam(query: string, name: string): string | undefined {
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    if (query.startsWith(name, start)) {
      const after = start + name.length;
      if (after === end) return '';
      if (query.charCodeAt(after) === 0x3d) return query.slice(after + 1, end);
    }
    start = end + 1;
  }
  return undefined;
}

/** The query string without any `name` parameter; the same string when it has none. */
export function withoutQueryParam(query: string, name: string): string {
  if (!query.includes(name)) return query;
  let out = '';
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    const after = start + name.length;
    const matches = query.startsWith(name, start) && (after === end || query.charCodeAt(after) === 0x3d);
    if (!matches && end > start) out = out === '' ? query.slice(start, end) : `${out}&${query.slice(start, end)}`;
    start = end + 1;
  }
  return out;
}
