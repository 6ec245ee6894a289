// @ts-check
// `npm run mutation:ci`: Stryker over the security-critical files only, report in reports/mutation-ci/.
import { SECURITY_CRITICAL } from './mutation/files.mjs';
import { strykerConfig } from './mutation/base.mjs';

export default strykerConfig({ mutate: SECURITY_CRITICAL, tests: 'mutation/vitest.ci.config.ts', reportDir: 'reports/mutation-ci' });
