// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { hasBody } from '../../relay/request-body.ts';

/** A request with `headers` whose runtime hands over `body` (Node never does; workerd does for a POST). */
function request(headers: Record<string, string>, body: ReadableStream | null): Request {
  const built = new Request('http://localhost:3001/token', { method: 'POST', headers });
  Object.defineProperty(built, 'body', { value: body });
  return built;
}

describe('hasBody', () => {
  it.each([
    ['nothing', {}, null, false],
    ['Content-Length: 0 and an empty stream (workerd, a POST from fetch)', { 'content-length': '0' }, new ReadableStream(), false],
    ['Content-Length: 0 and no stream (Node)', { 'content-length': '0' }, null, false],
    ['a length', { 'content-length': '12' }, null, true],
    ['a chunked body announced', { 'transfer-encoding': 'chunked' }, null, true],
    ['a chunked body with Content-Length: 0 as well', { 'transfer-encoding': 'chunked', 'content-length': '0' }, null, true],
    ['a stream and no length', {}, new ReadableStream(), true],
  ])('%s: %s', (_name, headers, body, expected) => {
    expect(hasBody(request(headers, body))).toBe(expected);
  });
});
