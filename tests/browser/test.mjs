// Headless Chromium drives vigild's incident page. Usage: node test.mjs PAGE_URL TOKEN_FILE
// (run by run_test.py, which starts vigild and checks the store afterwards). The token is read
// from the file so it never shows in a process list or a test log.
import { readFileSync } from 'node:fs';
import puppeteer from 'puppeteer-core';

const [url, tokenFile] = process.argv.slice(2);
if (!url || !tokenFile) {
  console.error('usage: node test.mjs PAGE_URL TOKEN_FILE');
  process.exit(2);
}
const token = readFileSync(tokenFile, 'utf8').split('\n')[0].trim();
const base = new URL(url).origin;
const TITLE = 'Tấn công DDoS cổng thông tin Sở';
const HOSTILE = '<img src=x id="xss" onerror="window.pwned=1">';
const STEP_MS = 15000;
const TOTAL_MS = 75000;

let browser = null;
function killBrowser() {
  const p = browser && browser.process();
  if (p && p.pid && p.exitCode === null) {
    try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone already */ }
  }
}
const watchdog = setTimeout(() => {
  console.error(`FAIL: the browser test took longer than ${TOTAL_MS / 1000}s`);
  killBrowser();
  process.exit(1);
}, TOTAL_MS);

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}
function ok(msg) {
  console.log(`ok: ${msg}`);
}

async function text(page, selector) {
  return page.$eval(selector, (el) => el.textContent);
}

async function api(method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

async function main() {
  browser = await puppeteer.launch({
    executablePath: process.env.VIGIL_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // CI runs as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--lang=vi-VN'],
    protocolTimeout: STEP_MS * 2,
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(STEP_MS);
  const problems = [];
  // Only the wrong token (401) and the submit without a title (400) may fail.
  const expected = new Set(['401 GET /api/v1/incidents', '400 POST /api/v1/incidents']);
  page.on('response', (r) => {
    if (r.status() < 400) return;
    const u = new URL(r.url());
    const key = `${r.status()} ${r.request().method()} ${u.pathname}`;
    if (!expected.has(key)) problems.push(`failed load: ${key}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // Failed loads are checked by URL below; anything else (a CSP violation) is a problem.
    if (m.type() === 'error' && !/^Failed to load resource: the server responded/.test(m.text())) {
      problems.push(`console error: ${m.text()}`);
    }
  });

  // 1. The page asks for the token; Vietnamese by default.
  const resp = await page.goto(url, { waitUntil: 'domcontentloaded' });
  check(resp.status() === 200, `GET ${url} -> ${resp.status()}`);
  await page.waitForSelector('#token', { visible: true });
  check(await page.$eval('html', (el) => el.lang) === 'vi', 'page language is vi by default');
  check(await text(page, 'header h1') === 'Sự cố', 'Vietnamese heading');
  ok('page asks for the admin token, in Vietnamese');

  // A wrong token is refused and nothing is kept.
  await page.type('#token', 'not-the-token');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.getElementById('login-error').textContent !== '');
  check(await page.evaluate(() => sessionStorage.length) === 0, 'a wrong token is not kept');
  ok('a wrong token is refused');

  // 2. The right token: kept in sessionStorage only.
  await page.$eval('#token', (el) => { el.value = ''; });
  await page.type('#token', token);
  await page.click('#login-submit');
  await page.waitForSelector('#incident-form', { visible: true });
  const stored = await page.evaluate(() => ({
    session: Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k)),
    local: Object.keys(localStorage).map((k) => localStorage.getItem(k)),
    cookie: document.cookie,
  }));
  check(stored.session.includes(token), 'token kept in sessionStorage');
  check(!stored.local.includes(token) && !stored.cookie.includes(token),
    'token not in localStorage or cookies');
  ok('token accepted and kept in sessionStorage only');

  // 3. A submit without a title: the API's error shows next to the title field.
  await page.select('#f-category', 'ddos');
  await page.select('#f-severity', 'P1');
  await page.type('#f-unit', 'so');
  await page.click('#incident-submit');
  await page.waitForFunction(() => document.getElementById('err-title').textContent !== '');
  const titleErr = await page.evaluate(() => {
    const err = document.getElementById('err-title');
    const input = document.getElementById('f-title');
    return {
      text: err.textContent,
      visible: err.offsetParent !== null,
      nextToInput: err.previousElementSibling === input,
      invalid: input.getAttribute('aria-invalid'),
      others: ['category', 'severity', 'unit', 'detected_at', 'description']
        .map((f) => document.getElementById(`err-${f}`).textContent).join(''),
    };
  });
  check(titleErr.visible && titleErr.nextToInput, `title error shown next to the title: ${JSON.stringify(titleErr)}`);
  check(titleErr.invalid === 'true', 'title input marked invalid');
  check(titleErr.others === '', `no error on other fields: ${titleErr.others}`);
  check(await page.$$eval('#incidents tbody tr', (rows) => rows.length) === 0,
    'nothing listed after the refused submit');
  ok(`missing title refused, shown next to the title: "${titleErr.text}"`);

  // 4. A valid Vietnamese incident: opened once, listed, error cleared.
  await page.type('#f-title', TITLE);
  await page.type('#f-description', 'Cổng không truy cập được từ 20:55; băng thông vào 9,4 Gbps');
  await page.click('#incident-submit');
  await page.waitForFunction((title) => [...document.querySelectorAll('#incidents td.c-title')]
    .some((td) => td.textContent === title), {}, TITLE);
  const row = await page.evaluate((title) => {
    const tr = [...document.querySelectorAll('#incidents tbody tr')]
      .find((r) => r.querySelector('.c-title').textContent === title);
    const cells = {};
    for (const td of tr.children) cells[td.className.split(' ')[0]] = td.textContent;
    return { cells, ok: document.getElementById('form-ok').textContent,
      err: document.getElementById('err-title').textContent,
      rows: document.querySelectorAll('#incidents tbody tr').length };
  }, TITLE);
  check(row.rows === 1, `one row listed, got ${row.rows}`);
  check(row.err === '', 'title error cleared');
  check(row.cells['c-severity'] === 'P1' && row.cells['c-unit'] === 'so' &&
    row.cells['c-category'] === 'Tấn công từ chối dịch vụ (DDoS)' && row.cells['c-state'] === 'mới',
  `row cells: ${JSON.stringify(row.cells)}`);
  check(row.ok.startsWith('Đã mở sự cố #'), `success message: ${row.ok}`);
  ok(`incident opened and listed: ${JSON.stringify(row.cells)}`);

  // 5. Its HTML report opens from the row (fetched with the token, shown from a blob).
  const popup = browser.waitForTarget((tg) => tg.opener() === page.target(), { timeout: STEP_MS });
  await page.click('#incidents tbody tr a.report-initial');
  const target = await popup;
  const reportPage = await target.page();
  await reportPage.waitForFunction((title) => document.body && document.body.innerText.includes(title),
    { timeout: STEP_MS }, TITLE);
  check(reportPage.url().startsWith('blob:'), `report shown from a blob: ${reportPage.url()}`);
  await reportPage.close();
  ok('initial report opens with the incident in it');

  // 6. Data is text, never markup: a hostile title (opened through the API) stays text.
  const hostile = await api('POST', '/api/v1/incidents',
    { title: HOSTILE, category: 'other', severity: 'P4', unit: 'so' });
  check(hostile.status === 201, `open the hostile-title incident: ${JSON.stringify(hostile)}`);
  await page.click('#refresh');
  await page.waitForFunction(() => document.querySelectorAll('#incidents tbody tr').length === 2);
  const xss = await page.evaluate((h) => ({
    injected: document.getElementById('xss') !== null || window.pwned === 1,
    shown: [...document.querySelectorAll('#incidents td.c-title')].some((td) => td.textContent === h),
  }), HOSTILE);
  check(!xss.injected && xss.shown, `hostile title must show as text: ${JSON.stringify(xss)}`);
  ok('a title with markup is shown as text');

  // 7. English on the toggle; the token survives a reload (same tab session).
  await page.click('#lang-toggle');
  check(await page.$eval('html', (el) => el.lang) === 'en', 'lang=en after the toggle');
  check(await text(page, 'header h1') === 'Incidents', 'English heading');
  const cat = await page.evaluate((title) => [...document.querySelectorAll('#incidents tbody tr')]
    .find((r) => r.querySelector('.c-title').textContent === title)
    .querySelector('.c-category').textContent, TITLE);
  check(cat === 'Denial of service (DDoS)', `English category: ${cat}`);
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#incident-form', { visible: true });
  check(await text(page, 'header h1') === 'Incidents', 'language kept across a reload');
  await page.waitForFunction(() => document.querySelectorAll('#incidents tbody tr').length === 2);
  ok('English toggle works; token kept for the session');

  if (process.env.VIGIL_SCREENSHOT) await page.screenshot({ path: process.env.VIGIL_SCREENSHOT, fullPage: true });
  check(problems.length === 0, `browser reported: ${problems.join(' | ')}`);
  ok('no page errors or console errors (CSP violations included)');
}

let code = 0;
try {
  await main();
  console.log('browser test: all steps passed');
} catch (e) {
  console.error(`FAIL: ${e && e.stack ? e.stack : e}`);
  code = 1;
} finally {
  try {
    if (browser) await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 5000))]);
  } catch { /* killed below */ }
  killBrowser();
  clearTimeout(watchdog);
}
process.exit(code);
