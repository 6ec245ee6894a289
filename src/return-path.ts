/** Where the app may send the user after sign-in: a path of its own origin, checked. */

/**
 * The same-origin path (path, query and fragment) in `target`, or `fallback` when `target` is not
 * on `origin`: where the app may send the user after sign-in without being an open redirect.
 */
export function sameOriginPath(target: string, origin: string, fallback: string): string {
  // "//evil.example" and "/\evil.example" are paths to a URL parser but hosts to a browser.
  if (!target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return fallback;
  try {
    const url = new URL(target, origin);
    // Dot segments can turn "/.//evil.example" into "//evil.example": check what it became.
    return url.origin === origin && !/^\/[/\\]/.test(url.pathname) ? `${url.pathname}${url.search}${url.hash}` : fallback;
  } catch {
    return fallback;
  }
}
