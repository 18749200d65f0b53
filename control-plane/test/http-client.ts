/** A tiny cookie-keeping HTTP client for tests that go through real sockets. */
export class HttpClient {
  readonly cookies = new Map<string, string>();
  readonly setCookieHeaders: string[] = [];
  bearer: string | undefined;

  constructor(readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { ...headers };
    if (this.cookies.size > 0) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
    const csrf = this.cookies.get('portico_csrf');
    if (csrf && method !== 'GET') h['x-csrf-token'] = csrf;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const cookie of res.headers.getSetCookie()) {
      this.setCookieHeaders.push(cookie);
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = decodeURIComponent(pair!.slice(eq + 1));
      if (/Max-Age=0/.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: (text ? JSON.parse(text) : undefined) as T };
  }
}
