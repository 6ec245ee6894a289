// @vitest-environment jsdom
import { screen, within } from '@testing-library/dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openFlowInspector } from '../../src/flow-inspector.ts';
import { createFlowRecorder, type FlowRecorder } from '../../src/flow-record.ts';
import { idleCallbacks, tableRows } from '../support/flow-inspector.ts';
import { memoryStorage } from '../support/memory-storage.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
  vi.setSystemTime(NOW);
  document.body.replaceChildren();
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** A recorder on the page's (fake) clock, whose requests the test answers, and the inspector's root. */
function page() {
  const flow = createFlowRecorder(memoryStorage(), Date.now, () => performance.now());
  const answers: Array<(response: Response) => void> = [];
  const fetch = flow.recordFetch(() => new Promise<Response>((resolve) => answers.push(resolve)));
  const root = document.createElement('div');
  document.body.append(root);
  /** Sends a request; `answer` answers it. */
  const send = (path: string) => {
    const sent = fetch(`https://api.example/2.0${path}`);
    const resolve = answers.at(-1) as (response: Response) => void;
    return { answer: async (status = 200) => (resolve(Response.json({}, { status })), await sent) };
  };
  return { flow, root, send };
}

const table = () => screen.getByRole('table', { name: 'API requests' });
const statuses = () => tableRows(table()).map((cells) => cells[2]);

/** `flow`, noting the page's time each time the inspector reads its requests (once a render). */
function watched(flow: FlowRecorder) {
  const renders: number[] = [];
  const proxy = new Proxy(flow, {
    get(target, key, receiver) {
      if (key === 'requests') renders.push(performance.now());
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { flow: proxy, renders };
}

describe('the open inspector', () => {
  it('shows at once what was recorded before it opened, and says the summary of a load already over', async () => {
    const { flow, root, send } = page();
    flow.record({ step: 'authorize', url: 'https://bitbucket.org/site/oauth2/authorize?state=s1' });
    await vi.advanceTimersByTimeAsync(120);
    await send('/user').answer();
    openFlowInspector(root, flow);
    expect(within(root).getByRole('table', { name: 'Authorization request parameters' })).toBeTruthy();
    expect(statuses()).toEqual(['200']);
    expect(root.querySelector('[aria-live]')?.textContent).toBe('1 API request finished in 0 ms: none failed, 0 retries.');
  });

  it('brings the table up to date as requests come and end, at most every 250 ms, and not at all while nothing happens', async () => {
    // Without idle callbacks (jsdom), a render is a task of its own: a timer of 0 ms set while
    // timers run runs 1 ms later on the fake clock.
    const { flow, root, send } = page();
    const page$ = watched(flow);
    openFlowInspector(root, page$.flow);
    const a = send('/user');
    await vi.advanceTimersByTimeAsync(100);
    const b = send('/repositories/a');
    await vi.advanceTimersByTimeAsync(151);
    expect(statuses()).toEqual(['waiting', 'waiting']);
    expect(page$.renders).toEqual([0, 251]);

    await vi.advanceTimersByTimeAsync(49);
    await a.answer();
    // 250 ms after the last render, not at once.
    await vi.advanceTimersByTimeAsync(201);
    expect(statuses()).toEqual(['waiting', 'waiting']);
    await vi.advanceTimersByTimeAsync(1);
    expect(statuses()).toEqual(['200', 'waiting']);

    // Long after the last render: at once.
    await vi.advanceTimersByTimeAsync(1498);
    await b.answer(404);
    await vi.advanceTimersByTimeAsync(1);
    expect(statuses()).toEqual(['200', '404']);
    expect(page$.renders).toEqual([0, 251, 502, 2001]);
  });

  it('renders when the page is idle, once for all that came meanwhile, or after a second at most on a page that stays busy', async () => {
    const idle$ = idleCallbacks();
    vi.stubGlobal('requestIdleCallback', idle$.requestIdleCallback);
    vi.stubGlobal('cancelIdleCallback', idle$.cancelIdleCallback);
    const { flow, root, send } = page();
    const page$ = watched(flow);
    openFlowInspector(root, page$.flow);
    send('/user');
    await vi.advanceTimersByTimeAsync(500);
    send('/user/workspaces');
    await vi.advanceTimersByTimeAsync(400);
    expect(screen.queryByRole('table', { name: 'API requests' })).toBeNull();
    idle$.idle();
    expect(statuses()).toEqual(['waiting', 'waiting']);
    expect(page$.renders).toEqual([0, 900]);

    send('/repositories/a');
    await vi.advanceTimersByTimeAsync(250 + 999);
    expect(statuses()).toEqual(['waiting', 'waiting']);
    await vi.advanceTimersByTimeAsync(1);
    expect(statuses()).toEqual(['waiting', 'waiting', 'waiting']);
    expect(page$.renders).toEqual([0, 900, 2150]);
  });

  it('announces a summary once a load has been over for 500 ms, keeps it while the next one runs, and says nothing twice', async () => {
    const { flow, root, send } = page();
    openFlowInspector(root, flow);
    const live = root.querySelector('[aria-live]') as HTMLElement;
    const said: string[] = [];
    const observer = new MutationObserver(() => said.push(live.textContent ?? ''));
    observer.observe(live, { childList: true, characterData: true, subtree: true });

    await send('/user').answer();
    // Rendered at 251 ms (see above), said 500 ms later.
    await vi.advanceTimersByTimeAsync(750);
    expect(said).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(said).toEqual(['1 API request finished in 0 ms: none failed, 0 retries.']);

    // A render with nothing new to say says nothing.
    flow.record({ step: 'refused', code: 'NO_RESPONSE' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(said).toHaveLength(1);

    // A load again: the last summary stays until this one is over, a retry included.
    const second = send('/user');
    await vi.advanceTimersByTimeAsync(1000);
    await second.answer(429);
    await vi.advanceTimersByTimeAsync(300);
    const retry = send('/user');
    await vi.advanceTimersByTimeAsync(1000);
    expect(said).toHaveLength(1);
    expect(live.textContent).toBe('1 API request finished in 0 ms: none failed, 0 retries.');
    await retry.answer();
    await vi.advanceTimersByTimeAsync(2 + 500);
    expect(said).toEqual([
      '1 API request finished in 0 ms: none failed, 0 retries.',
      '3 API requests finished in 4.1 s: 1 failed, 1 retry.',
    ]);
    observer.disconnect();
  });

  it.each([
    ['a page with no idle callbacks', false],
    ['a page with idle callbacks', true],
  ])('closed, leaves nothing behind on %s: no element, no timer, no idle callback, no listener', async (_name, withIdle) => {
    const page$ = idleCallbacks();
    if (withIdle) {
      vi.stubGlobal('requestIdleCallback', page$.requestIdleCallback);
      vi.stubGlobal('cancelIdleCallback', page$.cancelIdleCallback);
    }
    const { flow, root, send } = page();
    const nothingLeft = () => {
      expect(root.childElementCount).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
      expect(page$.pending).toBe(0);
    };

    // While the next render waits its turn (two changes, one render).
    let close = openFlowInspector(root, flow);
    const first = send('/user');
    const second = send('/user/workspaces');
    close();
    nothingLeft();
    await first.answer();
    await second.answer();
    nothingLeft();

    // While it waits for an idle moment.
    close = openFlowInspector(root, flow);
    flow.record({ step: 'refused', code: 'NO_RESPONSE' });
    vi.advanceTimersToNextTimer();
    close();
    nothingLeft();

    // While the summary waits to be said.
    close = openFlowInspector(root, flow);
    await send('/repositories/a').answer();
    await vi.advanceTimersByTimeAsync(251);
    if (withIdle) page$.idle();
    expect(vi.getTimerCount()).toBe(1);
    close();
    nothingLeft();
    flow.record({ step: 'refused', code: 'NO_RESPONSE' });
    nothingLeft();
  });

  it('saves the flow as a JSON file named for the time, and lets go of the file once the download has started', async () => {
    const { flow, root, send } = page();
    flow.record({ step: 'authorize', url: 'https://bitbucket.org/site/oauth2/authorize?state=s1' });
    await send('/user').answer();
    const files: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((file) => (files.push(file as Blob), 'blob:http://localhost/flow'));
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    openFlowInspector(root, flow);
    await vi.advanceTimersByTimeAsync(5000);

    within(root).getByRole('button', { name: 'Download the flow (JSON)' }).click();
    expect(clicked.map((link) => [link.download, link.href])).toEqual([
      ['bitbucket-flow-2026-11-28T12-00-05-000Z.json', 'blob:http://localhost/flow'],
    ]);
    expect(files.map((file) => file.type)).toEqual(['application/json']);
    const saved = JSON.parse(await (files[0] as Blob).text()) as Record<string, unknown>;
    expect(saved).toMatchObject({
      format: 'bitbucket-starter-flow/1',
      exportedAt: '2026-11-28T12:00:05.000Z',
      steps: [{ step: 'authorize', at: '2026-11-28T12:00:00.000Z' }],
      requests: [{ number: 1, path: '/2.0/user', outcome: '200' }],
    });
    expect(revoke).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(0);
    expect(revoke.mock.calls).toEqual([['blob:http://localhost/flow']]);
  });
});
