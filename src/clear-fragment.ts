/**
 * Side effect on import: copies the callback URL, then removes its fragment and query from the
 * address bar and the current history entry, so the token is not left in history, bookmarks,
 * screenshots or a Referer.
 * @see https://datatracker.ietf.org/doc/html/rfc9700#section-4.3.2 (RFC 9700 §4.3.2)
 */
export const arrivedUrl: Readonly<Pick<URL, 'hash' | 'search'>> = { hash: location.hash, search: location.search };
// Stryker disable next-line StringLiteral: browsers ignore the second argument (MDN, History.replaceState: "unused").
history.replaceState(null, '', location.pathname);
