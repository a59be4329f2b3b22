// End-to-end test of the web UI: the real binary, a fresh data folder, and
// Debian's chromium driven by playwright-core.
//
//   npm run test:e2e                       (binary at ../bin/docker-watcher)
//   DW_BINARY=/path/to/docker-watcher npm run test:e2e
//
// The binary must have been built after `npm run build`, since it embeds
// web/build. CHROMIUM_PATH overrides /usr/bin/chromium.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
	chromiumPath,
	eventually,
	openPage,
	screenshotOnFailure,
	startDockerWatcher,
	startProcess,
	stopProcess,
	webDir
} from './helpers.mjs';

const binary = path.resolve(webDir, process.env.DW_BINARY || '../bin/docker-watcher');
const password = randomBytes(18).toString('base64url');
const newPassword = randomBytes(18).toString('base64url');

/** @type {ReturnType<typeof startProcess> | undefined} */
let server;
let dataDir = '';
let baseURL = '';
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** Uncaught exceptions in the page: there should be none. */
const pageErrors = [];

/** A test that leaves a screenshot (and the server's log) in test-results/ when it fails. */
const e2e = screenshotOnFailure(
	() => page,
	() => ({ 'server.log': server?.log ?? '' })
);

const mainNav = () => page.getByRole('navigation', { name: 'Main' });
const addForm = () => page.getByRole('form', { name: 'Add proxy' });
const proxyRow = (domain) => page.getByRole('row').filter({ hasText: domain });

/** The JSON error body of the next answer of `method path`. */
async function apiErrorOf(action, method, pathname) {
	const [response] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname === pathname),
		action()
	]);
	assert.ok(response.status() >= 400, `${method} ${pathname} answered ${response.status()}, expected an error`);
	return { status: response.status(), body: await response.json() };
}

async function apiGet(pathname) {
	const res = await page.request.get(baseURL + pathname);
	assert.equal(res.status(), 200, `GET ${pathname}`);
	return res.json();
}

/** Log in outside the browser (another device) and return its session cookie. */
async function loginCookie(pw) {
	const res = await fetch(baseURL + '/api/auth/login', {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ username: 'admin', password: pw })
	});
	if (res.status !== 200) throw new Error(`login answered ${res.status}`);
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('dw_session='));
	assert.ok(cookie, 'login set no session cookie');
	return cookie.split(';')[0];
}

/** The status of GET /api/auth/me with a session cookie. */
async function sessionStatus(cookie) {
	return (await fetch(baseURL + '/api/auth/me', { headers: cookie ? { Cookie: cookie } : {} })).status;
}

describe('web UI', { concurrency: false }, () => {
	before(async () => {
		assert.ok(existsSync(binary), `no binary at ${binary}: build it (go build -o bin/docker-watcher ./cmd/docker-watcher) or set DW_BINARY`);
		assert.ok(existsSync(chromiumPath), `no chromium at ${chromiumPath}: apt-get install chromium`);

		dataDir = await mkdtemp(path.join(os.tmpdir(), 'dw-e2e-'));
		({ server, baseURL } = await startDockerWatcher(binary, dataDir, { DW_ADMIN_PASSWORD: password }));
		({ browser, page } = await openPage(baseURL, pageErrors));
	});

	after(async () => {
		await browser?.close().catch(() => {});
		await stopProcess(server?.child);
		if (dataDir) await rm(dataDir, { recursive: true, force: true });
	});

	e2e('an unknown session is sent to the login page', async () => {
		await page.goto('/proxies');
		await page.waitForURL((url) => url.pathname === '/login');
		assert.equal(new URL(page.url()).searchParams.get('next'), '/proxies');
		await page.getByRole('heading', { name: 'Log in' }).waitFor();
	});

	e2e("a wrong password shows the API's message", async () => {
		await page.getByLabel('User name').fill('admin');
		await page.getByLabel('Password').fill('not-the-password');
		const { status, body } = await apiErrorOf(() => page.getByRole('button', { name: 'Log in' }).click(), 'POST', '/api/auth/login');
		assert.equal(status, 401);
		await eventually(async () => assert.equal((await page.getByRole('alert').first().textContent())?.trim(), body.error));
	});

	e2e('log in as admin', async () => {
		await page.getByLabel('User name').fill('admin');
		await page.getByLabel('Password').fill(password);
		await page.getByRole('button', { name: 'Log in' }).click();
		await page.waitForURL((url) => url.pathname === '/proxies');
		await page.getByRole('heading', { name: 'Proxies', level: 1 }).waitFor();
		await page.getByText('Signed in as admin').waitFor();
	});

	e2e('/ is the dashboard; the instances page has none yet', async () => {
		await page.goto('/');
		await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
		assert.equal(new URL(page.url()).pathname, '/');
		await page.goto('/instances');
		await page.getByRole('heading', { name: 'Instances', level: 1 }).waitFor();
		await page.getByText('No instances yet.').waitFor();
	});

	e2e('create a proxy', async () => {
		await mainNav().getByRole('link', { name: 'Proxies' }).click();
		await page.waitForURL((url) => url.pathname === '/proxies');
		await page.getByText('No proxies yet.').waitFor();

		const form = addForm();
		await form.getByLabel('Domain').fill('app.example.org');
		await form.getByLabel('Scheme').selectOption('http');
		await form.getByLabel('Forward host').fill('127.0.0.1');
		await form.getByLabel('Forward port').fill('3000');
		await form.getByRole('button', { name: 'Add proxy' }).click();

		await proxyRow('app.example.org').getByText('http://127.0.0.1:3000').waitFor();
		assert.equal(await form.getByLabel('Domain').inputValue(), '', 'the form is cleared after creating');
		const list = await apiGet('/api/proxies');
		assert.deepEqual(
			list.map((p) => [p.domain, p.forward_scheme, p.forward_host, p.forward_port]),
			[['app.example.org', 'http', '127.0.0.1', 3000]]
		);
	});

	e2e('edit the proxy in a dialog', async () => {
		await page.getByRole('button', { name: 'Edit app.example.org' }).click();
		const dialog = page.getByRole('dialog', { name: 'Edit app.example.org' });
		await dialog.waitFor();
		assert.equal(await dialog.getByLabel('Domain').inputValue(), 'app.example.org');
		assert.equal(await dialog.getByLabel('Forward port').inputValue(), '3000');
		await dialog.getByLabel('Forward port').fill('3001');
		await dialog.getByRole('button', { name: 'Save' }).click();
		await dialog.waitFor({ state: 'hidden' });

		await proxyRow('app.example.org').getByText('http://127.0.0.1:3001').waitFor();
		await page.reload();
		await proxyRow('app.example.org').getByText('http://127.0.0.1:3001').waitFor();
		const [saved] = await apiGet('/api/proxies');
		assert.equal(saved.forward_port, 3001);
	});

	e2e("a bad domain shows the API's error next to the Domain field", async () => {
		const form = addForm();
		await form.getByLabel('Domain').fill('bad domain!');
		await form.getByLabel('Forward host').fill('127.0.0.1');
		await form.getByLabel('Forward port').fill('3000');
		const { status, body } = await apiErrorOf(() => form.getByRole('button', { name: 'Add proxy' }).click(), 'POST', '/api/proxies');
		assert.equal(status, 400);
		assert.equal(body.field, 'domain');

		const input = form.getByLabel('Domain');
		await eventually(async () => assert.equal(await input.getAttribute('aria-invalid'), 'true'));
		const describedBy = (await input.getAttribute('aria-describedby')) ?? '';
		assert.ok(describedBy, 'the Domain input is described by its error');
		const message = page.locator(`#${describedBy.split(' ').pop()}`);
		assert.equal((await message.textContent())?.trim(), body.error);

		// Next to the field: right below the input, in the same column.
		const inputBox = await input.boundingBox();
		const messageBox = await message.boundingBox();
		assert.ok(inputBox && messageBox);
		assert.ok(messageBox.y >= inputBox.y + inputBox.height - 1 && messageBox.y < inputBox.y + inputBox.height + 40, 'error just below the input');
		assert.ok(Math.abs(messageBox.x - inputBox.x) < 4, 'error aligned with the input');
		// Focus went to the field at fault, and nothing was created.
		assert.equal(await input.evaluate((el) => el === document.activeElement), true);
		assert.equal((await apiGet('/api/proxies')).length, 1);
	});

	e2e('delete the proxy after confirming', async () => {
		// Cancelling keeps it.
		await page.getByRole('button', { name: 'Delete app.example.org' }).click();
		let dialog = page.getByRole('alertdialog', { name: 'Delete proxy?' });
		await dialog.waitFor();
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'hidden' });
		await proxyRow('app.example.org').waitFor();

		await page.getByRole('button', { name: 'Delete app.example.org' }).click();
		dialog = page.getByRole('alertdialog', { name: 'Delete proxy?' });
		await dialog.getByRole('button', { name: 'Delete' }).click();
		await dialog.waitFor({ state: 'hidden' });
		await proxyRow('app.example.org').waitFor({ state: 'detached' });
		await page.getByText('No proxies yet.').waitFor();
		assert.deepEqual(await apiGet('/api/proxies'), []);
	});

	e2e('settings save a domain', async () => {
		await mainNav().getByRole('link', { name: 'Settings' }).click();
		await page.waitForURL((url) => url.pathname === '/settings');
		const form = page.getByRole('form', { name: 'General settings' });
		const domain = form.getByLabel('Domain');
		await eventually(async () => assert.equal(await form.getByRole('button', { name: 'Save' }).isEnabled(), true));
		await domain.fill('example.com');
		await form.getByRole('button', { name: 'Save' }).click();
		await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
		assert.equal((await apiGet('/api/settings')).domain, 'example.com');

		await page.reload();
		await eventually(async () => assert.equal(await domain.inputValue(), 'example.com'));

		// The DNS page tells the (default) wildcard mode for that domain.
		await mainNav().getByRole('link', { name: 'DNS' }).click();
		await page.getByRole('region', { name: 'Mode' }).getByText('*.example.com').waitFor();
	});

	e2e('the page is sent with its security headers', async () => {
		const res = await fetch(baseURL + '/settings');
		assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
		assert.equal(res.headers.get('referrer-policy'), 'same-origin');
		const csp = res.headers.get('content-security-policy') ?? '';
		assert.match(csp, /frame-ancestors 'none'/);
		assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
		// The app ran under it: no violation so far ('no uncaught errors' checks again at the end).
		assert.deepEqual(pageErrors.map(String), []);
	});

	e2e('create a read-only API token that expires, see it once, delete it', async () => {
		await mainNav().getByRole('link', { name: 'Settings' }).click();
		const form = page.getByRole('form', { name: 'Create API token' });
		await form.getByLabel('Token name').fill('e2e');
		await form.getByLabel('Access').selectOption({ label: 'Read only' });
		await form.getByLabel('Expires').selectOption({ label: '7 days' });
		await form.getByRole('button', { name: 'Create token' }).click();
		const value = await eventually(async () => {
			const v = await page.getByLabel('New token').inputValue();
			assert.match(v, /^dw_/);
			return v;
		});
		const row = page.getByRole('row').filter({ hasText: 'e2e' });
		await row.getByText('Read only').waitFor();
		assert.equal((await row.locator('td[data-label="Last used"]').textContent())?.trim(), 'Never');
		const expires = (await row.locator('td[data-label="Expires"]').textContent())?.trim() ?? '';
		assert.notEqual(expires, 'Never');
		const [token] = await apiGet('/api/tokens');
		const days = (Date.parse(token.expires_at) - Date.now()) / 86_400_000;
		assert.ok(token.scope === 'read' && days > 6.9 && days <= 7, `token ${JSON.stringify(token)}`);

		// It reads, and only reads.
		const auth = { Authorization: `Bearer ${value}` };
		assert.equal((await fetch(baseURL + '/api/auth/me', { headers: auth })).status, 200);
		const write = await fetch(baseURL + '/api/tokens', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"name":"more"}' });
		assert.equal(write.status, 403);
		// The list shows its use.
		await page.reload();
		await eventually(async () => assert.notEqual((await row.locator('td[data-label="Last used"]').textContent())?.trim(), 'Never'));

		await page.getByRole('button', { name: 'Delete token e2e' }).click();
		const dialog = page.getByRole('alertdialog', { name: 'Delete API token?' });
		await dialog.getByRole('button', { name: 'Delete' }).click();
		await row.waitFor({ state: 'detached' });
		await page.getByText('No API tokens yet.').waitFor();
	});

	e2e('change the password: other sessions end, this one stays', async () => {
		const other = await loginCookie(password);
		const form = page.getByRole('form', { name: 'Change password' });
		await form.getByLabel('Current password').fill('not-the-password');
		await form.getByLabel('New password').fill(newPassword);
		const { status, body } = await apiErrorOf(() => form.getByRole('button', { name: 'Change password' }).click(), 'PUT', '/api/auth/password');
		assert.equal(status, 400);
		assert.equal(body.field, 'current_password');
		const currentInput = form.getByLabel('Current password');
		await eventually(async () => assert.equal(await currentInput.getAttribute('aria-invalid'), 'true'));
		await page.locator('#security-current_password-error').getByText(body.error).waitFor();
		assert.equal(await sessionStatus(other), 200, 'a refused change ended a session');

		await currentInput.fill(password);
		await form.getByRole('button', { name: 'Change password' }).click();
		await page.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();
		assert.equal(await sessionStatus(other), 401, 'the other session outlived the password change');
		// This browser got a new session.
		await page.reload();
		await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
		assert.equal(new URL(page.url()).pathname, '/settings');
		assert.equal(await form.getByLabel('Current password').inputValue(), '');
	});

	e2e('sign out everywhere ends this session and the others', async () => {
		const other = await loginCookie(newPassword);
		await page.getByRole('button', { name: 'Sign out everywhere' }).click();
		const dialog = page.getByRole('alertdialog', { name: 'Sign out everywhere?' });
		await dialog.getByRole('button', { name: 'Sign out everywhere' }).click();
		await page.waitForURL((url) => url.pathname === '/login');
		assert.equal(await sessionStatus(other), 401);
		await page.goto('/settings');
		await page.waitForURL((url) => url.pathname === '/login');

		// The new password logs in; the old one does not.
		await page.getByLabel('User name').fill('admin');
		await page.getByLabel('Password').fill(newPassword);
		await page.getByRole('button', { name: 'Log in' }).click();
		await page.waitForURL((url) => url.pathname === '/settings');
		assert.equal(await sessionStatus(await loginCookie(password).catch(() => '')), 401);
	});

	e2e('log out', async () => {
		await page.getByRole('button', { name: 'Log out' }).click();
		await page.waitForURL((url) => url.pathname === '/login');
		await page.goto('/settings');
		await page.waitForURL((url) => url.pathname === '/login');
	});

	e2e('repeated failed logins show the "too many attempts" answer', async () => {
		// Another user name than admin, so that only this name is locked.
		await page.getByLabel('User name').fill('nobody');
		let answer;
		for (let i = 0; i < 10; i++) {
			await page.getByLabel('Password').fill(`wrong-${i}`);
			answer = await apiErrorOf(() => page.getByRole('button', { name: 'Log in' }).click(), 'POST', '/api/auth/login');
			if (answer.status === 429) break;
			assert.equal(answer.status, 401);
		}
		assert.equal(answer?.status, 429, 'no 429 after 10 failed logins');
		await eventually(async () => {
			const text = (await page.getByRole('alert').first().textContent())?.trim() ?? '';
			assert.ok(text.toLowerCase().includes(answer.body.error.toLowerCase().replace(/\.$/, '')), `alert "${text}" shows "${answer.body.error}"`);
		});
	});

	e2e('no uncaught errors in the page', async () => {
		assert.deepEqual(pageErrors.map(String), []);
	});
});
