/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_BITBUCKET_CLIENT_ID?: string;
  readonly VITE_BITBUCKET_AUTHORIZE_URL?: string;
  readonly VITE_BITBUCKET_API_URL?: string;
  /** Set by the dev server's demo mode (the bundled simulator). */
  readonly VITE_DEMO?: string;
}
