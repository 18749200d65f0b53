function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Whether a request path is safe to route and forward: starts with `/`, percent-escapes are
 * complete, and no segment is `.` or `..` (plain or escaped), which a backend would resolve
 * outside the API's base path.
 */
export function isRoutablePath(path: string): boolean {
  if (path.charCodeAt(0) !== 0x2f) return false;
  let segmentStart = 1;
  let dots = 0;
  let other = false;
  for (let i = 1; i <= path.length; i++) {
    const c = i === path.length ? 0x2f : path.charCodeAt(i);
    if (c === 0x2f) {
      if (!other && (dots === 1 || dots === 2) && i > segmentStart) return false;
      segmentStart = i + 1;
      dots = 0;
      other = false;
    } else if (c === 0x25) {
      const a = path.charCodeAt(i + 1);
      const b = path.charCodeAt(i + 2);
      if (!isHex(a) || !isHex(b)) return false;
      // %2e is a dot; %2f would hide a segment boundary from routing but not from the backend.
      if (a === 0x32 && (b === 0x65 || b === 0x45)) dots++;
      else if (a === 0x32 && (b === 0x66 || b === 0x46)) return false;
      else other = true;
      i += 2;
    } else if (c === 0x2e) {
      dots++;
    } else {
      other = true;
    }
  }
  return true;
}

/** The origin-form of an absolute-form request target (`http://host/p?q` → `/p?q`, RFC 9112 §3.2.2). */
export function originForm(url: string): string | undefined {
  if (url.charCodeAt(0) === 0x2f) return url;
  const scheme = url.startsWith('http://') ? 7 : url.startsWith('https://') ? 8 : -1;
  if (scheme === -1) return undefined;
  const slash = url.indexOf('/', scheme);
  if (slash !== -1) return url.slice(slash);
  const question = url.indexOf('?', scheme);
  return question === -1 ? '/' : `/${url.slice(question)}`;
}
