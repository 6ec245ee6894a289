/**
 * The I/O edge shared by both servers: read the request, add latency, apply faults, call the
 * handler, write the answer and log it.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants as http2, createSecureServer } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Server, Socket } from 'node:net';
import { decideFaults } from './faults.ts';
import { DROP, apiError } from './http.ts';
import { redactHeaders, redactUrl } from './redact.ts';
import type { Handler, Outcome, SimRequest, SimResponse } from './http.ts';
import type { SimState } from './state.ts';

/** How one of the two servers behaves. */
export interface ServerSetup {
  name: 'auth' | 'api';
  state: SimState;
  /** The public origin, e.g. `http://localhost:3101`, known once the server listens. */
  origin: () => string;
  handle: Handler;
  /** Requests answered at once: unlogged, with no latency, no faults and no `finish` (the control endpoint). */
  control?: { matches: (path: string) => boolean; handle: Handler };
  /** Last touch on every answer, e.g. CORS headers. */
  finish?: (response: SimResponse, request: SimRequest) => SimResponse;
}

// Bodies are small forms and JSON; anything bigger is a mistake or abuse.
const MAX_BODY_BYTES = 1_000_000;

/** A key and certificate (PEM) to serve over TLS with. */
export interface TlsSetup {
  key: string;
  cert: string;
}

/** A server for one role, not yet listening, and how to stop it once it does. */
export interface SimServer {
  server: Server;
  /** Stops listening and cuts every connection (keep-alive ones would hold a plain close open). */
  close(): Promise<void>;
}

type Incoming = IncomingMessage | Http2ServerRequest;
type Outgoing = ServerResponse | Http2ServerResponse;

/**
 * Creates the server for one role: plain HTTP/1.1, or with `tls` HTTP/2 over TLS (HTTP/1.1 over
 * TLS still accepted, for clients without HTTP/2).
 */
export function createSimServer(setup: ServerSetup, tls?: TlsSetup): SimServer {
  const onRequest = (incoming: Incoming, outgoing: Outgoing): void => {
    serve(setup, incoming, outgoing).catch((error: unknown) => {
      // Reached only if reading or writing the socket failed: nothing is left to answer on.
      console.error(`[simulator ${setup.name}]`, error);
      drop(incoming);
    });
  };
  const server: Server = tls ? createSecureServer({ ...tls, allowHTTP1: true }, onRequest) : createServer(onRequest);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    server,
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

// One HTTP/2 stream is reset, not the connection: the other requests on it carry on, as they
// would over separate HTTP/1.1 connections.
function drop(incoming: Incoming): void {
  if ('stream' in incoming) incoming.stream.close(http2.NGHTTP2_INTERNAL_ERROR);
  else incoming.socket.destroy();
}

async function serve(setup: ServerSetup, incoming: Incoming, outgoing: Outgoing): Promise<void> {
  const { state } = setup;
  const time = state.options.now();
  const body = await readBody(incoming);
  const request: SimRequest = {
    method: incoming.method ?? 'GET',
    url: new URL(incoming.url ?? '/', setup.origin()),
    headers: incoming.headers,
    body: body ?? '',
  };
  const finish = (response: SimResponse): SimResponse => (setup.finish ? setup.finish(response, request) : response);

  if (setup.control?.matches(request.url.pathname)) {
    const outcome = body === undefined ? tooLarge() : await run(setup.control.handle, request);
    // Not finished: the control endpoint's answers carry no CORS headers, so no other site reads them.
    if (outcome !== DROP) write(outgoing, outcome);
    return;
  }

  // The latency runs while the answer is made, as a network's does: parallel requests arrive
  // together and are answered together, not one answer's making after another.
  const latency = sleep(state.options.latencyMs);
  let delayMs = 0;
  let fixed: Outcome | undefined = body === undefined ? tooLarge() : undefined;
  // Faults hit only real requests: a failed preflight would be a different failure (a CORS one).
  if (fixed === undefined && request.method !== 'OPTIONS') {
    const decision = decideFaults(state.faults, request.url.pathname + request.url.search);
    delayMs = decision.delayMs;
    fixed = decision.answer;
    if (decision.shaping.length > 0) request.shaping = decision.shaping;
  }
  const answer = fixed ?? run(setup.handle, request);
  await latency;
  await sleep(delayMs);
  const outcome = await answer;

  const log = (status: number, bytes: number): void => {
    state.log.push({
      server: setup.name,
      method: request.method,
      // Credentials only as fingerprints: whoever reads the log must not get a usable secret.
      url: redactUrl(request.url),
      headers: redactHeaders(flattenHeaders(incoming)),
      status,
      bytes,
      time,
      answeredTime: state.options.now(),
      protocol: incoming.httpVersion === '2.0' ? 'h2' : 'http/1.1',
    });
  };
  if (outcome === DROP) {
    drop(incoming);
    log(0, 0);
    return;
  }
  const response = finish(outcome);
  write(outgoing, response);
  log(response.status, Buffer.byteLength(response.body));
}

// A bug in a handler becomes a 500 in Bitbucket's error shape rather than a hung request.
async function run(handle: Handler, request: SimRequest): Promise<Outcome> {
  try {
    return await handle(request);
  } catch (error) {
    console.error('[simulator] handler failed:', error);
    return apiError(500, 'Something went wrong', error instanceof Error ? error.message : String(error));
  }
}

function write(outgoing: Outgoing, response: SimResponse): void {
  if ('stream' in outgoing ? outgoing.stream.destroyed : outgoing.destroyed) return;
  outgoing.writeHead(response.status, {
    ...response.headers,
    'Content-Length': String(Buffer.byteLength(response.body)),
  });
  outgoing.end(response.body);
}

function tooLarge(): SimResponse {
  return apiError(413, 'Request body too large');
}

// Resolves to undefined when the body is over the limit.
function readBody(incoming: Incoming): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    incoming.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    incoming.on('error', reject);
  });
}

// HTTP/2's pseudo-headers (`:path`, `:authority`…) are the request line, already in the record.
function flattenHeaders(incoming: Incoming): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined && !name.startsWith(':')) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
