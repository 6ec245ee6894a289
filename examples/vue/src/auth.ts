import { createBitbucketAuth, record, text } from 'bitbucket-browser-auth';

export const auth = createBitbucketAuth({
  clientId: import.meta.env.VITE_BITBUCKET_CLIENT_ID,
  redirectUri: `${location.origin}/oauth-callback`,
  authorizeUrl: import.meta.env.VITE_BITBUCKET_AUTHORIZE_URL,
  apiUrl: import.meta.env.VITE_BITBUCKET_API_URL,
});

/** Checks a field of a value Bitbucket sent: `field(json, path, 'workspace', 'slug')`. */
export const field = (json: unknown, path: string, ...names: string[]): string =>
  text(
    names.reduce((value, name) => record(value, path)[name], json),
    path,
  );
