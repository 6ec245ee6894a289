import { chromium as playwright } from 'playwright-core';
import chromium from './scripts/chromium.json' with { type: 'json' };
import { benchClient, serveApp } from './scripts/bench-load.ts';
import { startSimulator } from './sim/index.ts';
const sim = await startSimulator({ http2: true, latencyMs: 50, workspaces: [{slug:'big',name:'Big',repositories:1000}], clients: [benchClient(4998)] });
const app = await serveApp(sim, 4998);
const browser = await playwright.launch({ executablePath: chromium.path, args: ['--headless', ...chromium.args, '--ignore-certificate-errors'] });
const page = await browser.newPage();
await page.goto(app.origin + '/straightforward.html');
const token = sim.issueToken();
sim.clearRequests();
await page.evaluate(async ({ apiBase, token }) => {
  let url: string | undefined = `${apiBase}/repositories/big?pagelen=100`;
  while (url) { const r = await fetch(url, { headers: { Authorization: `Bearer ${token}` } }); const j = await r.json(); url = j.next; }
}, { apiBase: sim.apiBase, token });
const log = sim.requests().filter(r => r.method === 'OPTIONS' || r.method === 'GET').sort((a,b)=>a.time-b.time);
const gets = log.filter(r => r.method === 'GET');
for (let i = 1; i < gets.length; i++) { const pre = log.find(r => r.method === 'OPTIONS' && r.url === gets[i].url); console.log('gap', Math.round((pre ?? gets[i]).time - gets[i-1].answeredTime), 'preflight took', Math.round(gets[i].time - (pre?.time ?? 0))); }
await browser.close(); await app.close(); await sim.close();
