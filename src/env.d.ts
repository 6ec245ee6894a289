/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_BITBUCKET_CLIENT_ID?: string;
  readonly VITE_BITBUCKET_AUTHORIZE_URL?: string;
  readonly VITE_BITBUCKET_API_URL?: string;
  /** Set by the dev server's demo mode (the bundled simulator). */
  readonly VITE_DEMO?: string;
  /** `on` or `off` to override where API-token sign-in is offered (default: on localhost only). */
  readonly VITE_API_TOKEN_SIGN_IN?: string;
}
