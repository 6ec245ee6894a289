// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { readBoundedText } from '../../relay/bounded-read.ts';

/** A body made of `chunks`, which says whether it was cancelled. */
function chunked(chunks: Uint8Array[]) {
  let cancelled = false;
  const queue = [...chunks];
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
    cancel() {
      cancelled = true;
    },
  });
  return { response: new Response(body), cancelled: () => cancelled };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('readBoundedText', () => {
  it('joins the chunks, a character split between two included', async () => {
    const e = bytes('é');
    const { response } = chunked([bytes('{"a":"'), e.subarray(0, 1), e.subarray(1), bytes('"}')]);
    expect(await readBoundedText(response, 100)).toBe('{"a":"é"}');
  });

  it('reads up to the bound exactly, and stops one byte past it, letting go of the rest', async () => {
    expect(await readBoundedText(chunked([bytes('12345'), bytes('67890')]).response, 10)).toBe('1234567890');
    const over = chunked([bytes('12345'), bytes('678901'), bytes('never read')]);
    expect(await readBoundedText(over.response, 10)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(over.cancelled()).toBe(true);
  });

  it('reads an empty body as the empty text', async () => {
    expect(await readBoundedText(new Response(null), 10)).toBe('');
    expect(await readBoundedText(new Response(''), 10)).toBe('');
  });

  it('trusts a declared length only to refuse: over the bound, nothing is read', async () => {
    const declared = (length: string) => new Response('12345', { headers: { 'content-length': length } });
    expect(await readBoundedText(declared('11'), 10)).toBeUndefined();
    expect(await readBoundedText(declared('10'), 10)).toBe('12345');
    expect(await readBoundedText(declared('nonsense'), 10)).toBe('12345');
  });

  it('fails at once with the reason of a signal that has already fired, and lets go of the body', async () => {
    // More than it can read (the stream would close, and need no letting go, once all were queued).
    const { response, cancelled } = chunked([bytes('1'), bytes('2'), bytes('3'), bytes('4')]);
    const signal = AbortSignal.abort(new DOMException('late', 'TimeoutError'));
    await expect(readBoundedText(response, 10, signal)).rejects.toMatchObject({ name: 'TimeoutError' });
    // The cancel is not waited for (a stream whose cancel never settles must not hold the relay).
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cancelled()).toBe(true);
  });

  it('passes on the failure of a body that breaks off', async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new TypeError('terminated'));
      },
    });
    await expect(readBoundedText(new Response(body), 10)).rejects.toThrow('terminated');
  });
});
