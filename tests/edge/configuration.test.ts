// @vitest-environment node
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PLACEHOLDER_HOST, readPublicOrigin } from '../../edge/deploy.ts';
import { RELAY_PATH } from '../../edge/edge-worker.ts';
import { CLIENT_ID_AT_THE_RELAY, oneOriginAppEnv } from '../../edge/one-origin.ts';
import { EDGE_PREVIEW_OUT_DIR } from '../../edge/preview.ts';
import { dotenv, EDGE_DIR, locateWrangler, MISSING_WRANGLER_MESSAGE, WRANGLER_VERSION } from '../../edge/wrangler.ts';
import { COMPATIBILITY_DATE } from '../../relay/workerd.ts';

const committed = readFileSync(join(EDGE_DIR, 'wrangler.jsonc'), 'utf8');
const config = ts.parseConfigFileTextToJson('wrangler.jsonc', committed).config as {
  main: string;
  compatibility_date: string;
  assets: { directory: string; binding: string; run_worker_first: string[] };
  vars: Record<string, string>;
};

describe('edge/wrangler.jsonc', () => {
  it('runs worker.ts at the relay’s compatibility date, which wrangler 4.86 accepts', () => {
    expect(config.main).toBe('worker.ts');
    expect(config.compatibility_date).toBe(COMPATIBILITY_DATE);
    expect(config.compatibility_date <= '2026-05-03').toBe(true);
  });

  it('serves the preview’s build as assets, and hands the Worker the relay’s paths first', () => {
    expect(config.assets).toEqual({ directory: `../${EDGE_PREVIEW_OUT_DIR}`, binding: 'ASSETS', run_worker_first: [`${RELAY_PATH}/*`] });
  });

  it('holds no secret: the Key, the Secret and RELAY_SECRET are Worker secrets', () => {
    expect(Object.keys(config.vars)).toEqual(['RELAY_PUBLIC_URL']);
  });

  it('pins the wrangler that runs on Node 20', () => {
    expect(WRANGLER_VERSION).toBe('4.86.0');
  });
});

describe('the origin a deploy builds the app for', () => {
  const withUrl = (url: string) => `{\n  // a comment: https://not.this\n  "vars": { "RELAY_PUBLIC_URL": "${url}", },\n}\n`;

  it('is the committed placeholder only for a dry run', () => {
    expect(readPublicOrigin(committed, true)).toEqual({ ok: true, origin: `https://${PLACEHOLDER_HOST}` });
    const real = readPublicOrigin(committed);
    expect(real.ok).toBe(false);
    expect(!real.ok && real.message).toMatch(/still the placeholder/);
  });

  it('is your https origin, from JSON with comments and trailing commas', () => {
    expect(readPublicOrigin(withUrl('https://starter.example.com'))).toEqual({ ok: true, origin: 'https://starter.example.com' });
    expect(readPublicOrigin(withUrl('https://starter.example.com/'))).toEqual({ ok: true, origin: 'https://starter.example.com' });
  });

  it('refuses plain http, a path, something that is no URL, and none at all', () => {
    for (const url of ['http://starter.example.com', 'https://starter.example.com/app', 'starter.example.com']) {
      expect(readPublicOrigin(withUrl(url)).ok, url).toBe(false);
    }
    expect(readPublicOrigin('{ "vars": {} }')).toEqual({ ok: false, message: 'vars.RELAY_PUBLIC_URL in edge/wrangler.jsonc is not set.' });
  });
});

describe('the app built for one origin', () => {
  it('signs in and renews through the relay on that origin', () => {
    expect(oneOriginAppEnv({ origin: 'https://a.example', clientId: CLIENT_ID_AT_THE_RELAY })).toEqual({
      VITE_BITBUCKET_CLIENT_ID: 'relay',
      VITE_BITBUCKET_AUTHORIZE_URL: 'https://a.example/relay/authorize',
      VITE_BITBUCKET_RELAY_URL: 'https://a.example/relay',
    });
    expect(
      oneOriginAppEnv({ origin: 'http://localhost:8787', clientId: 'k', apiUrl: 'http://127.0.0.1:1/2.0' }).VITE_BITBUCKET_API_URL,
    ).toBe('http://127.0.0.1:1/2.0');
  });
});

describe('running wrangler', () => {
  it('says how to install it when edge/ has no node_modules', () => {
    const empty = mkdtempSync(join(tmpdir(), 'edge-'));
    try {
      expect(locateWrangler(empty)).toEqual({ ok: false, message: MISSING_WRANGLER_MESSAGE });
      expect(MISSING_WRANGLER_MESSAGE).toContain('npm ci --prefix edge');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('writes the Worker’s variables literally, and refuses what a .dev.vars line cannot hold', () => {
    expect(dotenv({ A: 'x#y $HOME "q"', B_2: '' })).toBe(`A='x#y $HOME "q"'\nB_2=''\n`);
    expect(() => dotenv({ A: "it's" })).toThrow(/A cannot be written/);
    expect(() => dotenv({ A: 'two\nlines' })).toThrow(/A cannot be written/);
    expect(() => dotenv({ 'A-B': 'x' })).toThrow(/A-B cannot be written/);
  });
});
