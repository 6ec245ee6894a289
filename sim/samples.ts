/**
 * Text the data generator draws from. Real repositories are named and described by people, in every
 * script, sometimes with markup in them: a client must show all of it as plain text, safely.
 */

/** Languages as Bitbucket reports them (lowercase), including `""` for "not detected". */
export const LANGUAGES: readonly string[] = [
  'typescript',
  'javascript',
  'python',
  'java',
  'go',
  'c#',
  'c++',
  'c',
  'php',
  'ruby',
  'kotlin',
  'swift',
  'rust',
  'scala',
  'shell',
  'html/css',
  'dart',
  'elixir',
  'haskell',
  '',
];

/** First halves of ordinary repository names. */
export const NAME_PREFIXES: readonly string[] = [
  'api',
  'web',
  'mobile',
  'billing',
  'auth',
  'search',
  'data',
  'infra',
  'docs',
  'design-system',
  'ml',
  'payments',
  'analytics',
  'notifications',
  'gateway',
  'inventory',
  'checkout',
  'catalog',
  'identity',
  'reporting',
  'scheduler',
  'mailer',
  'feature-flags',
  'observability',
  'ledger',
];

/** Second halves of ordinary repository names. */
export const NAME_SUFFIXES: readonly string[] = [
  'service',
  'client',
  'app',
  'worker',
  'sdk',
  'tools',
  'pipeline',
  'terraform',
  'config',
  'ui',
  'lib',
  'bot',
  'site',
  'monorepo',
  'cli',
  'proxy',
  'jobs',
  'schemas',
  'playbooks',
  'dashboard',
];

/** Ordinary one-line descriptions. */
export const PLAIN_DESCRIPTIONS: readonly string[] = [
  'Internal service, owned by the platform team.',
  'Shared configuration and deployment scripts.',
  'Client library generated from the OpenAPI description.',
  'Experiments — may be deleted at any time.',
  'Nightly batch jobs for reporting.',
  'The public marketing website.',
  'Mobile app for iOS and Android.',
  'Infrastructure as code for the staging and production accounts.',
];

/** Names and descriptions in other scripts, with accents, emoji, and right-to-left text. */
export const UNICODE_NAMES: readonly string[] = [
  'Café Révolution',
  'naïve-façade',
  'Ærøskøbing-kort',
  '数据管道',
  'ウェブサイト',
  '한국어-문서',
  '🚀 rocket-launcher',
  'emoji-🦄-party',
  'مستودع-عربي',
  'פרויקט-עברי',
  'Ελληνικά-σημειώσεις',
  'mixed English עברית العربية 中文',
];

/** Descriptions in other scripts (RTL among them). */
export const UNICODE_DESCRIPTIONS: readonly string[] = [
  'Un café très spécial — déjà vu, crème brûlée.',
  '数据处理管道，每天运行一次 🚀',
  'مستودع تجريبي لاختبار النص من اليمين إلى اليسار',
  'מאגר לבדיקת טקסט מימין לשמאל',
  'Emoji everywhere 🎉🔥✨ and a zero-width joiner family 👩‍👩‍👧',
  'Ünïcödé ïs fün: ß, ø, ł, ğ, ñ',
];

/** Text that looks like markup: shown as text it is harmless, parsed as HTML it runs script. */
export const MARKUP_TEXTS: readonly string[] = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '"><svg onload=alert(1)>',
  '</textarea><b>bold?</b>',
  "javascript:alert('not a link')",
  '{{constructor.constructor("alert(1)")()}}',
];

/** A description of several hundred characters, to test wrapping and truncation. */
export const LONG_DESCRIPTION =
  'This repository holds the long-lived integration layer between the order system, the warehouse ' +
  'management system and three external carriers. It has grown over many years and its description ' +
  'has grown with it: it explains the release process, the on-call rota, who to ask about the ' +
  'carrier adapters, why the retry logic looks the way it does, and what not to touch on a Friday. ' +
  'Read CONTRIBUTING.md before opening a pull request, and please keep this description up to date.';

/** A repository name near Bitbucket's length limit. */
export const LONG_NAME = 'an-unreasonably-long-repository-name-that-keeps-on-going';
