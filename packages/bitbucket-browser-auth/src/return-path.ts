/** Where a sign-in may send the user back to: a path of the app's own origin, checked. */

/**
 * The same-origin path (path, query and fragment) in `target`, or `fallback` when `target` is not
 * on `origin`: where the app may send the user after sign-in without being an open redirect.
 */
export function sameOriginPath(target: string, origin: string, fallback: string): string {
  if (!target.startsWith('/')) return fallback;
  try {
    // "//evil.example" and "/\evil.example" name another host: the parser says so in `origin`.
    const url = new URL(target, origin);
    // Dot segments can turn "/.//evil.example" into a path "//evil.example", which a browser
    // would take as a host when it is written back into the address bar: check what it became.
    return url.origin === origin && !/^\/[/\\]/.test(url.pathname) ? `${url.pathname}${url.search}${url.hash}` : fallback;
  } catch {
    return fallback;
  }
}

/** True for the hosts a browser treats as this machine (where plain http is acceptable). */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
