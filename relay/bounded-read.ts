/**
 * Reading an answer's body within bounds: at most so many bytes, and no longer than a signal
 * allows. `response.text()` reads whatever comes, for as long as it comes: a token endpoint (or
 * whatever answers in its place) sending gigabytes would take the relay's memory with it.
 */

/** The body (of an answer, or a request) as text, or `undefined` once it is longer than `maxBytes` (the rest is not read). */
export async function readBoundedText(
  response: Pick<Response, 'headers' | 'body'>,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  // A declared length over the bound is refused before a byte is read.
  if (Number(response.headers.get('content-length')) > maxBytes) {
    cancel(response.body);
    return undefined;
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  // Rejects when the signal fires: a body that stalls without honouring the signal still ends on time.
  const aborted = new Promise<never>((_resolve, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason));
  });
  // Handled here once; each read below still races against it.
  aborted.catch(() => undefined);

  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        cancel(reader);
        return undefined;
      }
      chunks.push(value);
    }
  } catch (error) {
    cancel(reader);
    throw error;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

// Lets go of a body without waiting: a stream whose cancel never settles must not hold the relay.
function cancel(stream: { cancel(): Promise<void> } | null): void {
  stream?.cancel().catch(() => undefined);
}
