import { chromium as playwright } from 'playwright-core';
import chromium from './scripts/chromium.json' with { type: 'json' };
import { benchClient, serveApp } from './scripts/bench-load.ts';
import { startSimulator } from './sim/index.ts';
const http2 = process.argv[2] === 'h2';
const sim = await startSimulator({ http2, latencyMs: 50, workspaces: [{slug:'big',name:'Big',repositories:1000},{slug:'medium',name:'M',repositories:300},{slug:'small',name:'S',repositories:20},{slug:'empty',name:'E',repositories:0}], clients: [benchClient(4999)] });
const app = await serveApp(sim, 4999);
const browser = await playwright.launch({ executablePath: chromium.path, args: ['--headless', ...chromium.args, '--ignore-certificate-errors'] });
const page = await browser.newPage();
await page.goto(app.origin + '/');
await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
sim.clearRequests();
await page.getByRole('button', { name: 'Grant access' }).click();
await page.getByRole('status').filter({ hasText: /^1320 repositories$/ }).waitFor();
const log = sim.requests().filter(r => r.server === 'api');
const t0 = Math.min(...log.map(r => r.time));
for (const r of [...log].sort((a,b)=>a.time-b.time)) { const u = new URL(r.url); console.log(r.method.padEnd(7), String(Math.round(r.time-t0)).padStart(5), String(Math.round(r.answeredTime-t0)).padStart(5), r.protocol, u.pathname, u.searchParams.get('page') ?? ''); }
await browser.close(); await app.close(); await sim.close();
