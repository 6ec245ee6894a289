/**
 * Helpers shared by the simulator's tests: start a simulator, call it, read redirects.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startSimulator } from '../../sim/index.ts';
import type { SimOptions, Simulator } from '../../sim/index.ts';

const running: Simulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

/** Starts a simulator on free ports; it is closed after the current test. */
export async function start(options: SimOptions = {}): Promise<Simulator> {
  const sim = await startSimulator(options);
  running.push(sim);
  return sim;
}

/**
 * One default simulator for the read-only tests of a file (starting one per test costs more than
 * the test). Call at the top of the file; the returned function gives the running simulator.
 */
export function sharedSimulator(options: SimOptions = {}): () => Simulator {
  let sim: Simulator | undefined;
  beforeAll(async () => {
    sim = await startSimulator(options);
  });
  afterAll(async () => {
    await sim?.close();
  });
  return () => {
    if (sim === undefined) throw new Error('the shared simulator is not running yet');
    return sim;
  };
}

/** A clock that tests move by hand. */
export function manualClock(startMs = Date.UTC(2026, 10, 1)): { now: () => number; advance: (ms: number) => void } {
  let current = startMs;
  return { now: () => current, advance: (ms) => (current += ms) };
}

/** `Authorization: Bearer …` headers. */
export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/**
 * Parsed JSON under test. Loosely typed on purpose: its shape is exactly what the assertions check.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** GETs an API URL (a path under the API base, or absolute) with a fresh token; the body as text. */
export async function getText(
  sim: Simulator,
  pathOrUrl: string,
  headers: Record<string, string> = bearer(sim.issueToken()),
): Promise<{ status: number; headers: Headers; text: string }> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sim.apiBase}${pathOrUrl}`;
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** GETs an API URL with a fresh token and returns status, headers and parsed JSON. */
export async function getJson(
  sim: Simulator,
  pathOrUrl: string,
  headers: Record<string, string> = bearer(sim.issueToken()),
): Promise<{ status: number; headers: Headers; body: Json }> {
  const { status, headers: answered, text } = await getText(sim, pathOrUrl, headers);
  return { status, headers: answered, body: text === '' ? undefined : JSON.parse(text) };
}

/** The parameters after `#` in a redirect's Location. */
export function fragmentOf(location: string | null): URLSearchParams {
  return new URLSearchParams(new URL(location ?? '').hash.slice(1));
}

/** The parameters after `?` in a redirect's Location. */
export function queryOf(location: string | null): URLSearchParams {
  return new URL(location ?? '').searchParams;
}

/** Posts the consent form as the browser would. */
export function postConsent(sim: Simulator, fields: Record<string, string>): Promise<Response> {
  return fetch(sim.authorizeUrl, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
}

/** Runs the authorization-code grant up to the code. */
export async function obtainCode(sim: Simulator, extra: Record<string, string> = {}): Promise<string> {
  const response = await postConsent(sim, { client_id: 'demo-client', response_type: 'code', decision: 'grant', ...extra });
  const code = queryOf(response.headers.get('location')).get('code');
  if (code === null) throw new Error(`no code in ${response.headers.get('location')}`);
  return code;
}

/** HTTP Basic header value. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Posts a form to the token endpoint, by default with the demo client's credentials; null sends none. */
export function postToken(
  sim: Simulator,
  form: Record<string, string>,
  authorization: string | null = basic('demo-client', 'demo-secret'),
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (authorization !== null) headers['Authorization'] = authorization;
  return fetch(sim.tokenUrl, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
}
