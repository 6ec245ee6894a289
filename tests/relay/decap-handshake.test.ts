// @vitest-environment node
/**
 * The handshake page's script (relay/decap-page.ts) run in jsdom, with a stand-in opener that
 * records what it is sent and messages dispatched as a browser would: from which window, from
 * which origin, with which data. The same cases run in Chromium in tests/e2e/decap-cms.spec.ts.
 *
 * The script is text, out of Stryker's reach; so every check in it is also taken out here, one at
 * a time, and the case it guards must then fail.
 */
import { JSDOM, VirtualConsole } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { HANDSHAKE_DATA_ID, HANDSHAKE_SCRIPT, HANDSHAKE_TIMEOUT_MS, handshakePage, scriptJson } from '../../relay/decap-page.ts';

const DECAP = 'https://cms.example.com';
const OTHER = 'http://localhost:8080';
const EVIL = 'https://evil.example';
const ANNOUNCEMENT = 'authorizing:bitbucket';
const SUCCESS = 'authorization:bitbucket:success:{"token":"access-NEVER-LOG","provider":"bitbucket","refresh_token":"s1.for-decap"}';
const OTHER_SUCCESS = 'authorization:bitbucket:success:{"token":"access-NEVER-LOG","provider":"bitbucket","refresh_token":"s1.for-other"}';

/** A stand-in for the window that opened the popup: it records what the page posts to it. */
function fakeOpener() {
  const posts: [unknown, string][] = [];
  return { posts, postMessage: (message: unknown, target: string) => posts.push([message, target]) };
}

/** The page's HTML for these messages; `script` replaces the page's script (a check taken out), `timeoutMs` its wait. */
async function pageHtml(options: { script?: string | undefined; timeoutMs?: number; messages?: [string, string][] } = {}): Promise<string> {
  const response = await handshakePage({
    status: 200,
    title: 'Signing in to Decap CMS',
    text: 'Handing your sign-in to Decap CMS…',
    sent: 'Signed in.',
    messages: options.messages ?? [
      [DECAP, SUCCESS],
      [OTHER, OTHER_SUCCESS],
    ],
  });
  return (await response.text())
    .replace(HANDSHAKE_SCRIPT, options.script ?? HANDSHAKE_SCRIPT)
    .replace(`"timeoutMs":${HANDSHAKE_TIMEOUT_MS}`, `"timeoutMs":${options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS}`);
}

/** Loads the page as the popup, with `opener` as its window.opener (none: null). */
function openPopup(html: string, opener: ReturnType<typeof fakeOpener> | null) {
  const dom = new JSDOM(html, {
    url: 'https://relay.example.com/callback?code=x&state=y',
    runScripts: 'dangerously',
    // Script errors are collected below, not printed.
    virtualConsole: new VirtualConsole(),
    beforeParse(window) {
      Object.defineProperty(window, 'opener', { value: opener, configurable: true });
    },
  });
  const { window } = dom;
  const errors: unknown[] = [];
  window.addEventListener('error', (event) => errors.push(event.error));
  return {
    window,
    errors,
    status: () => window.document.getElementById('status')?.textContent,
    /** A message event as the browser dispatches one: its data, the sender's origin and window. */
    deliver: (data: unknown, origin: string, source: unknown) => {
      window.dispatchEvent(new window.MessageEvent('message', { data, origin, source: source as never }));
    },
    close: () => window.close(),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The cases, each a function of the page's script that says whether the page behaved. */
const CASES = {
  async announcesToItsOpenerFirst(script?: string) {
    const opener = fakeOpener();
    const popup = openPopup(await pageHtml({ script }), opener);
    popup.close();
    return opener.posts.length === 1 && opener.posts[0]?.[0] === ANNOUNCEMENT && opener.posts[0]?.[1] === '*';
  },
  async answersAnAllowedOpenerAtItsOriginAlone(script?: string) {
    const opener = fakeOpener();
    const popup = openPopup(await pageHtml({ script }), opener);
    popup.deliver(ANNOUNCEMENT, DECAP, opener);
    const status = popup.status();
    popup.close();
    return (
      JSON.stringify(opener.posts) ===
        JSON.stringify([
          [ANNOUNCEMENT, '*'],
          [SUCCESS, DECAP],
        ]) && status === 'Signed in.'
    );
  },
  async givesEachAllowedOriginItsOwnMessage(script?: string) {
    const opener = fakeOpener();
    const popup = openPopup(await pageHtml({ script }), opener);
    popup.deliver(ANNOUNCEMENT, OTHER, opener);
    popup.close();
    return JSON.stringify(opener.posts[1]) === JSON.stringify([OTHER_SUCCESS, OTHER]);
  },
  async givesAForeignOriginNothing(script?: string) {
    const opener = fakeOpener();
    const popup = openPopup(await pageHtml({ script }), opener);
    popup.deliver(ANNOUNCEMENT, EVIL, opener);
    // Nor a look-alike: a prefix, another scheme, another port, a trailing slash.
    for (const origin of [
      'https://cms.example.com.evil.example',
      'http://cms.example.com',
      'https://cms.example.com:444',
      `${DECAP}/`,
      'null',
    ]) {
      popup.deliver(ANNOUNCEMENT, origin, opener);
    }
    const status = popup.status();
    popup.close();
    return opener.posts.length === 1 && status === 'Handing your sign-in to Decap CMS…';
  },
  async givesAWindowThatIsNotItsOpenerNothing(script?: string) {
    const opener = fakeOpener();
    const stranger = fakeOpener();
    const popup = openPopup(await pageHtml({ script }), opener);
    popup.deliver(ANNOUNCEMENT, DECAP, stranger);
    popup.deliver(ANNOUNCEMENT, DECAP, null);
    popup.deliver(ANNOUNCEMENT, DECAP, popup.window);
    popup.close();
    return opener.posts.length === 1 && stranger.posts.length === 0;
  },
  async answersOnlyTheAnnouncement(script?: string) {
    const opener = fakeOpener();
    const popup = openPopup(await pageHtml({ script }), opener);
    for (const data of ['authorizing:github', `${ANNOUNCEMENT} `, '', null, { toString: () => ANNOUNCEMENT }])
      popup.deliver(data, DECAP, opener);
    popup.close();
    return opener.posts.length === 1;
  },
  async answersOnce(script?: string) {
    const opener = fakeOpener();
    const popup = openPopup(await pageHtml({ script }), opener);
    popup.deliver(ANNOUNCEMENT, DECAP, opener);
    popup.deliver(ANNOUNCEMENT, DECAP, opener);
    popup.deliver(ANNOUNCEMENT, OTHER, opener);
    popup.close();
    return opener.posts.length === 2 && popup.errors.length === 0;
  },
  async takesItsDataOutOfThePage(script?: string) {
    const popup = openPopup(await pageHtml({ script }), fakeOpener());
    const gone =
      popup.window.document.getElementById(HANDSHAKE_DATA_ID) === null && !popup.window.document.body.innerHTML.includes('NEVER-LOG');
    popup.close();
    return gone;
  },
  async saysSoWithoutAnOpener(script?: string) {
    const popup = openPopup(await pageHtml({ script }), null);
    const status = popup.status();
    popup.close();
    return status?.startsWith('This window was not opened by Decap CMS') === true && popup.errors.length === 0;
  },
  async givesUpWhenTheOpenerNeverAnswers(script?: string) {
    const opener = fakeOpener();
    const popup = openPopup(await pageHtml({ script, timeoutMs: 20 }), opener);
    await sleep(80);
    const status = popup.status();
    // An answer after that gets nothing, and breaks nothing.
    popup.deliver(ANNOUNCEMENT, DECAP, opener);
    popup.close();
    return status?.startsWith('Decap CMS did not answer') === true && opener.posts.length === 1 && popup.errors.length === 0;
  },
} as const;

type CaseName = keyof typeof CASES;

describe('the handshake page in jsdom', () => {
  it.each(Object.keys(CASES) as CaseName[])('%s', async (name) => {
    expect(await CASES[name]()).toBe(true);
  });

  it(`waits ${HANDSHAKE_TIMEOUT_MS / 1000} s for its opener`, () => {
    expect(HANDSHAKE_TIMEOUT_MS).toBe(15_000);
  });

  it('keeps a token that would end its data block as data', async () => {
    const hostile = 'authorization:bitbucket:success:{"token":"</script><script>alert(1)</script>&\u2028"}';
    const html = await pageHtml({ messages: [[DECAP, hostile]] });
    expect(html).not.toContain('</script><script>alert(1)');
    const opener = fakeOpener();
    const popup = openPopup(html, opener);
    popup.deliver(ANNOUNCEMENT, DECAP, opener);
    popup.close();
    expect(opener.posts[1]).toEqual([hostile, DECAP]);
  });

  it('writes JSON whose <, >, & and line separators are escapes', () => {
    expect(scriptJson({ a: '</script>&\u2028\u2029' })).toBe('{"a":"\\u003c/script\\u003e\\u0026\\u2028\\u2029"}');
    expect(JSON.parse(scriptJson({ a: '</script>&\u2028\u2029' }))).toEqual({ a: '</script>&\u2028\u2029' });
  });
});

// Each check of the script, taken out: the case it guards must fail. A row whose `from` is not in
// the script fails too (the script changed; the row must follow).
const CHECKS: readonly [check: string, from: string, to: string, guards: CaseName][] = [
  ['the answer comes from window.opener', 'event.source !== opener || ', '', 'givesAWindowThatIsNotItsOpenerNothing'],
  ['the answer is the announcement', ' || event.data !== announcement', '', 'answersOnlyTheAnnouncement'],
  ["the answer's origin is allowed", 'pair[0] === event.origin', 'true', 'givesAForeignOriginNothing'],
  [
    'the message goes to that origin alone',
    'opener.postMessage(found[1], event.origin)',
    "opener.postMessage(found[1], '*')",
    'answersAnAllowedOpenerAtItsOriginAlone',
  ],
  ['each origin gets its own message', 'pair[0] === event.origin', 'pair[0] !== undefined', 'givesEachAllowedOriginItsOwnMessage'],
  ['it answers once', "window.removeEventListener('message', answer);\n    clearTimeout(timer);", 'clearTimeout(timer);', 'answersOnce'],
  [
    'it stops listening when it gives up',
    "window.removeEventListener('message', answer);\n    status.textContent = data.timedOut;",
    'status.textContent = data.timedOut;',
    'givesUpWhenTheOpenerNeverAnswers',
  ],
  ['it gives up', '}, data.timeoutMs);', '}, 1e9);', 'givesUpWhenTheOpenerNeverAnswers'],
  ['it takes its data out of the page', '  block.remove();\n', '', 'takesItsDataOutOfThePage'],
  ['it needs an opener', 'if (!opener) {', 'if (false) {', 'saysSoWithoutAnOpener'],
  ['it announces itself', "  opener.postMessage(announcement, '*');\n", '', 'announcesToItsOpenerFirst'],
];

describe('each check of the script is needed', () => {
  it.each(CHECKS)('without "%s", %s fails', async (_check, from, to, guards) => {
    expect(HANDSHAKE_SCRIPT).toContain(from);
    const weakened = HANDSHAKE_SCRIPT.replace(from, to);
    expect(await CASES[guards](weakened)).toBe(false);
  });
});
