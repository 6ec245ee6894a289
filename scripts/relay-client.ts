/**
 * Just enough of a browser to sign in through the token relay from Node: fetch with manual
 * redirects, a cookie jar per origin, and the simulator's consent form read and submitted. The
 * relay's tests against the simulator and `npm run bench:relay` drive the relay with it.
 */

/** A browser's cookies and requests, without JavaScript or rendering. */
export interface CookieClient {
  /** The `Cookie` header this client would send to `origin`. */
  cookieHeader(origin: string): string;
  /** Sends a request with this client's cookies for its origin, follows no redirect, keeps the cookies it is given. */
  send(url: string, init?: RequestInit): Promise<Response>;
  get(url: string): Promise<Response>;
  post(url: string, form: URLSearchParams): Promise<Response>;
}

/** Creates a client with an empty cookie jar; it keeps cookies per origin (not per path, nor by their attributes). */
export function createCookieClient(): CookieClient {
  const jar = new Map<string, Map<string, string>>();

  function cookieHeader(origin: string): string {
    return [...(jar.get(origin) ?? new Map<string, string>())].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async function send(url: string, init: RequestInit = {}): Promise<Response> {
    const { origin } = new URL(url);
    const headers = new Headers(init.headers);
    const cookies = cookieHeader(origin);
    if (cookies !== '' && !headers.has('cookie')) headers.set('cookie', cookies);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = setCookie.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator);
      const kept = jar.get(origin) ?? new Map<string, string>();
      if (attributes.some((attribute) => attribute.trim() === 'Max-Age=0')) kept.delete(name);
      else kept.set(name, pair.slice(separator + 1));
      jar.set(origin, kept);
    }
    return response;
  }

  return {
    cookieHeader,
    send,
    get: (url) => send(url),
    post: (url, form) => send(url, { method: 'POST', body: form }),
  };
}

const decodeHtml = (text: string): string =>
  text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_match, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[entity] ?? '',
  );

function attributesOf(tag: string): Record<string, string> {
  return Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, name = '', value = '']) => [name, decodeHtml(value)]));
}

/** Reads the simulator's consent page and returns what pressing the button labelled `label` would post. */
export function submitConsent(page: string, pageUrl: string, label: 'Grant access' | 'Cancel'): { action: string; form: URLSearchParams } {
  const formTag = /<form\b[^>]*>/.exec(page)?.[0];
  if (formTag === undefined) throw new Error('no form on the consent page');
  const form = new URLSearchParams();
  for (const [input] of page.matchAll(/<input\b[^>]*>/g)) {
    const { type, name, value } = attributesOf(input);
    if (type === 'hidden' && name !== undefined) form.append(name, value ?? '');
  }
  const button = [...page.matchAll(/<button\b([^>]*)>([^<]*)<\/button>/g)].find(([, , text]) => text?.trim() === label);
  if (button === undefined) throw new Error(`no "${label}" button`);
  const { name, value } = attributesOf(button[1] ?? '');
  if (name !== undefined) form.append(name, value ?? '');
  return { action: new URL(attributesOf(formTag)['action'] ?? '', pageUrl).href, form };
}

/** Where a sign-in through the relay starts and what the app asks for. */
export interface RelaySignIn {
  /** Where the relay's routes are, e.g. `http://127.0.0.1:3001` or `http://localhost:3000/relay`. */
  readonly relayBase: string;
  /** The app's callback, one of the relay's allowed ones. */
  readonly appCallback: string;
  readonly appState: string;
}

/**
 * The app's sign-in as a browser makes it: the relay's /authorize, the simulator's consent page,
 * "Grant access", the relay's /callback. Resolves with the relay's redirect to the app (its
 * fragment holds the token); throws if a step answers something else.
 */
export async function signInThroughRelay(client: CookieClient, signIn: RelaySignIn): Promise<Response> {
  const query = new URLSearchParams({ response_type: 'token', redirect_uri: signIn.appCallback, state: signIn.appState });
  const consentUrl = location(await client.get(`${signIn.relayBase}/authorize?${query}`), 'the relay’s /authorize');
  const consent = await client.get(consentUrl);
  if (consent.status !== 200) throw new Error(`the consent page answered ${consent.status}`);
  const { action, form } = submitConsent(await consent.text(), consentUrl, 'Grant access');
  const callbackUrl = location(await client.post(action, form), 'the consent form');
  const toApp = await client.get(callbackUrl);
  location(toApp, 'the relay’s /callback');
  return toApp;
}

function location(response: Response, step: string): string {
  const target = response.headers.get('location');
  if (response.status < 300 || response.status > 303 || target === null)
    throw new Error(`${step} answered ${response.status}, not a redirect`);
  return target;
}
