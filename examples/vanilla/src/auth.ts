import { createBitbucketAuth, record, text } from 'bitbucket-browser-auth';

export const auth = createBitbucketAuth({
  clientId: import.meta.env.VITE_BITBUCKET_CLIENT_ID,
  redirectUri: `${location.origin}/oauth-callback`,
  authorizeUrl: import.meta.env.VITE_BITBUCKET_AUTHORIZE_URL,
  apiUrl: import.meta.env.VITE_BITBUCKET_API_URL,
});

// The check of each answer: the text it needs, or the answer is refused (an ApiError, BAD_RESPONSE).
const displayName = (json: unknown, path: string) => text(record(json, path).display_name, path);
const workspaceSlug = (json: unknown, path: string) => text(record(record(json, path).workspace, path).slug, path);
const fullName = (json: unknown, path: string) => text(record(json, path).full_name, path);

/** The signed-in user's name. */
export const userName = (signal?: AbortSignal) => auth.get('/user', { fields: ['display_name'], signal, check: displayName });

/** The full name of each of the user's repositories, workspace after workspace. `signal` stops the requests in flight. */
export async function* repositoryNames(signal?: AbortSignal) {
  const workspaces = auth.list('/user/workspaces', { fields: ['workspace.slug'], signal, check: workspaceSlug });
  for await (const slug of workspaces) {
    yield* auth.list(`/repositories/${encodeURIComponent(slug)}`, { fields: ['full_name'], signal, check: fullName });
  }
}
