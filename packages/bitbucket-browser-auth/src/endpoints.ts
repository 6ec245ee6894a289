/** Bitbucket Cloud's endpoints, the defaults of the core's options. */

/** Bitbucket's authorize endpoint (the implicit grant's; a relay's `/authorize` for today's Bitbucket). */
export const DEFAULT_AUTHORIZE_URL = 'https://bitbucket.org/site/oauth2/authorize';
/** Bitbucket's REST API. */
export const DEFAULT_API_URL = 'https://api.bitbucket.org/2.0';
