// @ts-check
// `npm run mutation`: Stryker over src/ and relay/, report in reports/mutation/.
import { ALL } from './mutation/files.mjs';
import { strykerConfig } from './mutation/base.mjs';

export default strykerConfig({ mutate: ALL, tests: 'mutation/vitest.config.ts', reportDir: 'reports/mutation' });
