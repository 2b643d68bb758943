// Serves ui/dist on loopback and opens it in Debian's Chromium (playwright-core)
// with the fake backend installed before the app's scripts run.
import { before, after } from 'node:test';
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = join(here, '..', 'dist');
export const shots = join(here, '..', '..', 'target', 'screenshots');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

export async function startServer() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    try {
      const body = await readFile(join(dist, path === '/' ? 'index.html' : path));
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'text/html' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

export async function launch() {
  await mkdir(shots, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

const backend = await readFile(join(here, 'fake-backend.js'), 'utf8');
const catalog = await readFile(join(here, 'catalog.json'), 'utf8');

/** A page on the app with `seed` profiles in the fake backend. */
export async function openApp(browser, url, seed = [], options = {}) {
  const { attention = [], key = null, listDelay = 0, watchFailure = null, ...contextOptions } = options;
  const context = await browser.newContext({ viewport: { width: 1180, height: 760 }, ...contextOptions });
  const page = await context.newPage();
  await page.addInitScript(`window.__SEED__ = ${JSON.stringify(seed)};\nwindow.__ATTENTION__ = ${JSON.stringify(attention)};\nwindow.__KEY__ = ${JSON.stringify(key)};\nwindow.__LIST_DELAY__ = ${listDelay};\nwindow.__WATCH_FAILURE__ = ${JSON.stringify(watchFailure)};\nwindow.__CATALOG__ = ${catalog};\n${backend}`);
  await page.goto(url);
  return page;
}

export function profile(id, name, extra = {}) {
  return {
    id, name, enabled: true, notes: '', provider: 'microsoft365', authMethod: 'client-credentials', sendMethod: 'graph',
    mailbox: `${name.toLowerCase().replace(/\W+/g, '')}@contoso.com`, fromAddress: null, domain: null,
    tenant: 'd9f2fc08-d549-4fcc-bae2-2286c314d3cd', cloud: 'global', authorityUrl: null, graphUrl: null,
    clientId: '351d6cb2-1c69-4081-9cc2-a769d71567cb', clientSecretId: null, clientSecretExpires: null,
    scopes: ['https://graph.microsoft.com/.default'], redirectUri: '', authUrl: null, tokenUrl: null,
    smtpHost: 'smtp.office365.com', smtpPort: 587, smtpSecurity: 'starttls', imapHost: 'outlook.office365.com',
    imapPort: 993, imapSecurity: 'tls', pop3Host: '', pop3Port: 995, pop3Security: 'tls', createdAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-01T00:00:00Z',
    hasClientSecret: true, hasPassword: false, hasCertificate: false, secretExpiry: null, ...extra,
  };
}

/** One Chromium and one page server for a test file (registered with node:test);
 *  `open(seed, options)` opens the app in a fresh context. */
export function suite() {
  const app = {};
  before(async () => {
    Object.assign(app, await startServer());
    app.browser = await launch();
  });
  after(async () => {
    await app.browser?.close();
    app.server?.close();
  });
  return { open: (seed = [], options = {}) => openApp(app.browser, app.url, seed, options) };
}

/** The calls the page made of one command, in order. */
export const calls = (page, cmd) => page.evaluate((c) => window.__BACKEND__.calls.filter((x) => x.cmd === c), cmd);

/** The visible primary buttons inside `scope`, by their text: a view has one. */
export const primaries = (scope) =>
  scope.locator('button.primary:visible').evaluateAll((bs) => bs.map((b) => b.textContent.trim().replace(/\s+/g, ' ')));

/** Visible disabled buttons inside `scope` that do not say why (no title). */
export const unexplained = (scope) =>
  scope
    .locator('button:disabled:visible, option:disabled')
    .evaluateAll((bs) => bs.filter((b) => !b.title.trim()).map((b) => b.textContent.trim().replace(/\s+/g, ' ')));
