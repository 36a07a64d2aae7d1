/**
 * A minimal browser for the OIDC redirect dance over real HTTP: one cookie jar per origin,
 * redirects followed by hand (so a test can stop at the callback and tamper with it).
 */
export class Browser {
  private readonly jars = new Map<string, Map<string, string>>();

  constructor(private readonly accept = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8') {}

  cookies(origin: string): ReadonlyMap<string, string> {
    return this.jars.get(origin) ?? new Map();
  }

  async request(
    url: string | URL,
    init: { method?: string; body?: URLSearchParams | string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const target = new URL(url);
    const jar = this.jars.get(target.origin) ?? new Map<string, string>();
    this.jars.set(target.origin, jar);
    const method = init.method ?? 'GET';
    // Like a browser: Origin on every request that is not a GET or HEAD (same-origin ones included).
    const origin: Record<string, string> = method === 'GET' || method === 'HEAD' ? {} : { origin: target.origin };
    const headers: Record<string, string> = { accept: this.accept, ...origin, ...init.headers };
    if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.body instanceof URLSearchParams) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(target, {
      method,
      headers,
      redirect: 'manual',
      ...(init.body === undefined ? {} : { body: init.body.toString() }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k = '', v = ''] = a.trim().split('=');
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k.toLowerCase() === 'expires') return new Date(v).getTime() <= Date.now();
        return false;
      });
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  }

  /**
   * Follows redirects from `url` until one leaves for `stopOrigin` (returned, not visited) or a page
   * answers. On an interaction page of the local provider, signs in as `identity` (`cancel` cancels).
   */
  async runToOrigin(url: string | URL, stopOrigin: string, identity: string): Promise<URL> {
    let current = new URL(url);
    for (let hop = 0; hop < 20; hop++) {
      if (current.origin === stopOrigin) return current;
      const response = await this.request(current);
      if (response.status >= 300 && response.status < 400) {
        current = new URL(response.headers.get('location')!, current);
        continue;
      }
      const html = await response.text();
      const interaction = /^\/interaction\/([^/]+)$/.exec(current.pathname);
      if (response.status === 200 && interaction) {
        const action = identity === 'cancel' ? 'abort' : 'login';
        const body = new URLSearchParams(identity === 'cancel' ? {} : { identity });
        const posted = await this.request(new URL(`/interaction/${interaction[1]}/${action}`, current), {
          method: 'POST',
          body,
        });
        if (posted.status < 300 || posted.status >= 400) throw new Error(`interaction answered ${posted.status}`);
        current = new URL(posted.headers.get('location')!, current);
        continue;
      }
      const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
      if (response.status === 200 && form && html.includes('document.forms[0].submit()')) {
        const body = new URLSearchParams();
        for (const input of form[2]!.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g))
          body.set(input[1]!, input[2]!);
        const posted = await this.request(new URL(form[1]!.replace(/&amp;/g, '&'), current), { method: 'POST', body });
        current = new URL(posted.headers.get('location')!, current);
        continue;
      }
      throw new Error(`unexpected ${response.status} at ${current.pathname}: ${html.slice(0, 300)}`);
    }
    throw new Error('too many redirects');
  }
}
