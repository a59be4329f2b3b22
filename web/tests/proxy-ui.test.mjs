// Browser test of the routing layer's UI: the Proxy settings against
// Nginx Proxy Manager's API emulator (cmd/npm-emulator), and the route of
// each proxy (state, URL, the Check button) under the built-in proxy and
// under NPM. The real binary, Debian's chromium driven by playwright-core,
// and a small HTTP server on 127.0.0.1 as the proxies' target.
//
//   npm run test:e2e                       (runs this file with the others)
//   DW_BINARY=/path/to/docker-watcher NPM_EMULATOR_BINARY=/path/to/npm-emulator node --test tests/proxy-ui.test.mjs
//
// Without NPM_EMULATOR_BINARY the emulator is built with `go build` from
// the repository into a temporary folder. The docker-watcher binary must
// have been built after `npm run build`, since it embeds web/build.

import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
	browserStack,
	clickWithProgress,
	eventually,
	npmEmulatorBinary,
	screenshotOnFailure,
	startNpmEmulator,
	startTarget,
	stopProcess
} from './helpers.mjs';

const npmEmail = 'dw@example.com';
/** The NPM account's password, which the emulator accepts. */
const npmPassword = 'npm-' + randomBytes(12).toString('hex');
const wrongPassword = 'npm-wrong-' + randomBytes(8).toString('hex');
const domain = 'example.com';

/** The emulator's base URL, e.g. http://127.0.0.1:40123/api. */
let npmURL = '';
/** @type {Awaited<ReturnType<typeof startTarget>> | undefined} The proxies' target. */
let target;

const stack = browserStack({
	name: 'proxy-ui',
	async services(s, defer) {
		const { emulator, baseURL } = await startNpmEmulator(await npmEmulatorBinary(s.tmpDir), {
			email: npmEmail,
			password: npmPassword
		});
		defer(() => stopProcess(emulator.child));
		npmURL = baseURL;
		const t = await startTarget();
		defer(() => t.close());
		target = t;
		return { logs: () => ({ 'proxy-ui-npm-emulator.log': emulator.log }) };
	}
});
const { p, apiOK, answerOf } = stack;
const e2e = screenshotOnFailure(() => stack.page, stack.logs);

const proxyForm = () => p().getByRole('form', { name: 'Proxy settings' });
const routerRadio = (name) => proxyForm().getByRole('radio', { name });
const urlInput = () => proxyForm().getByLabel('URL', { exact: true });
const emailInput = () => proxyForm().getByLabel('Email', { exact: true });
const passwordInput = () => proxyForm().getByLabel('Password', { exact: true });
const forwardHostInput = () => proxyForm().getByLabel('Forward host', { exact: true });
const trustedInput = () => proxyForm().getByLabel('Trusted proxies', { exact: true });
const accessLogBox = () => proxyForm().getByLabel('Access log', { exact: true });
const testButton = () => proxyForm().getByRole('button', { name: /^(Test connection|Testing…)$/ });
const testResult = () => proxyForm().getByRole('status', { name: 'NPM connection test result' });
const toast = (text) => p().locator('.toasts').getByRole('status').filter({ hasText: text });

const proxyRow = (d) => p().getByRole('row').filter({ has: p().getByText(d, { exact: true }) });
const routeCell = (d) => proxyRow(d).locator('td[data-label="Route"]');
const checkButton = (d) => p().getByRole('button', { name: `Check the route of ${d}`, exact: true });
const checkResult = (d) => p().getByRole('status', { name: `Route check of ${d}`, exact: true });

async function saveProxySettings() {
	const res = await answerOf(() => proxyForm().getByRole('button', { name: 'Save' }).click(), 'PUT', '/api/settings');
	assert.equal(res.status(), 200, `PUT /api/settings: ${await res.text()}`);
	await toast('Proxy settings saved.').last().waitFor();
	return res;
}

async function openSettings() {
	await p().goto('/settings');
	await eventually(async () => assert.equal(await proxyForm().getByRole('button', { name: 'Save' }).isEnabled(), true));
}

/** Every text of the page a user or a script could read: markup, input values, visible text. */
async function pageTexts() {
	return p().evaluate(() => [
		document.documentElement.outerHTML,
		document.body.innerText,
		...[...document.querySelectorAll('input, textarea, select')].map((el) => /** @type {HTMLInputElement} */ (el).value)
	]);
}

/** Add a proxy to the target through the form of the Proxies page. */
async function addProxy(d) {
	const form = p().getByRole('form', { name: 'Add proxy' });
	await form.getByLabel('Domain').fill(d);
	await form.getByLabel('Forward host').fill('127.0.0.1');
	await form.getByLabel('Forward port').fill(String(target?.port));
	const res = await answerOf(() => form.getByRole('button', { name: 'Add proxy' }).click(), 'POST', '/api/proxies');
	assert.equal(res.status(), 201, `POST /api/proxies: ${await res.text()}`);
	await proxyRow(d).waitFor();
	return res.json();
}

/** Click Check for `d` (its progress shown while the call runs) and return the check's answer. */
async function check(d) {
	const res = await clickWithProgress(p(), '/api/proxies/' + (await proxyId(d)) + '/check', () => checkButton(d), async (b) => {
		assert.equal((await b.textContent())?.trim(), 'Checking…');
		assert.equal(await b.isDisabled(), true);
	});
	assert.equal(res.status(), 200);
	await eventually(async () => assert.equal(await checkButton(d).isEnabled(), true));
	return res.json();
}

async function proxyId(d) {
	const proxies = await apiOK('GET', '/api/proxies');
	const found = proxies.find((x) => x.domain === d);
	assert.ok(found, `no proxy ${d}`);
	return found.id;
}

describe('Proxy settings and routes with the NPM emulator', { concurrency: false }, () => {
	before(() => stack.start());
	after(() => stack.stop());

	e2e('log in and open the settings: the built-in proxy routes, no NPM fields', async () => {
		await stack.logIn('/settings');
		await apiOK('PUT', '/api/settings', { domain, public_ipv4: '203.0.113.10' });
		await openSettings();
		assert.equal(await routerRadio('Built-in proxy').isChecked(), true);
		assert.equal(await routerRadio('Nginx Proxy Manager').isChecked(), false);
		await proxyForm().getByText('This server routes each name to its instance or proxy itself').waitFor();
		assert.equal(await urlInput().count(), 0);
		assert.equal(await testButton().count(), 0);
		assert.equal(await trustedInput().inputValue(), '');
		assert.equal(await accessLogBox().isChecked(), false);
	});

	e2e('choose NPM and fill its fields: Test logs in to the emulator and counts the hosts', async () => {
		await routerRadio('Nginx Proxy Manager').check();
		await urlInput().fill(npmURL);
		await emailInput().fill(npmEmail);
		await passwordInput().fill(npmPassword);
		await forwardHostInput().fill('127.0.0.1');
		await proxyForm().getByText('Unsaved changes').waitFor();

		const res = await clickWithProgress(p(), '/api/proxy/test', testButton, async (b) => {
			assert.equal((await b.textContent())?.trim(), 'Testing…');
			assert.equal(await b.isDisabled(), true);
		});
		assert.equal(res.status(), 200);
		assert.deepEqual(res.request().postDataJSON(), {
			npm_url: npmURL,
			npm_email: npmEmail,
			npm_password: npmPassword,
			npm_forward_host: '127.0.0.1'
		});
		const answer = await res.json();
		assert.equal(answer.ok, true, answer.message);
		await testResult().getByText('Connection works.').waitFor();
		// NPM's answer, with the hosts the account sees.
		assert.match(answer.message, /the account sees 0 proxy hosts/);
		await testResult().getByText(answer.message).waitFor();
		await testResult().getByText('Tested with the password typed above, which is not saved yet.').waitFor();
		assert.match(await testResult().getAttribute('class') ?? '', /alert-success/);

		// The test changed nothing.
		const stored = await apiOK('GET', '/api/settings');
		assert.equal(stored.proxy_provider, 'builtin');
		assert.equal(stored.npm_url, '');
		assert.equal(stored.npm_password_set, false);
	});

	e2e("a wrong password fails the test with NPM's message", async () => {
		await passwordInput().fill(wrongPassword);
		// Changing a field forgets the last result.
		assert.equal(await testResult().count(), 0);
		const res = await answerOf(() => testButton().click(), 'POST', '/api/proxy/test');
		const answer = await res.json();
		assert.equal(answer.ok, false);
		assert.match(answer.message, /Invalid email or password/);
		await testResult().getByText('Connection failed.').waitFor();
		await testResult().getByText(answer.message).waitFor();
		assert.match(await testResult().getAttribute('class') ?? '', /alert-error/);
	});

	e2e('save: only the proxy settings are sent, the password is stored and never shown', async () => {
		await passwordInput().fill(npmPassword);
		const before = await apiOK('GET', '/api/settings');
		const res = await saveProxySettings();
		const sent = res.request().postDataJSON();
		assert.deepEqual(Object.keys(sent).sort(), [
			'npm_email',
			'npm_forward_host',
			'npm_password',
			'npm_url',
			'proxy_access_log',
			'proxy_provider',
			'trusted_proxies'
		]);
		assert.equal(sent.proxy_provider, 'npm');
		assert.equal(sent.npm_password, npmPassword);

		const stored = await apiOK('GET', '/api/settings');
		assert.equal(stored.proxy_provider, 'npm');
		assert.equal(stored.npm_url, npmURL.replace(/\/$/, ''));
		assert.equal(stored.npm_email, npmEmail);
		assert.equal(stored.npm_password_set, true);
		assert.equal(stored.npm_forward_host, '127.0.0.1');
		// The other settings are as they were.
		for (const key of ['domain', 'public_ipv4', 'wildcard_dns', 'dns_provider', 'dns_ttl', 'dns_sync_interval_seconds']) {
			assert.deepEqual(stored[key], before[key], key);
		}

		// After a reload: the password field is empty and says one is stored.
		await openSettings();
		assert.equal(await routerRadio('Nginx Proxy Manager').isChecked(), true);
		assert.equal(await passwordInput().inputValue(), '');
		assert.match((await passwordInput().getAttribute('placeholder')) ?? '', /stored/i);
		await proxyForm().getByText('A password is stored; it is never shown.').waitFor();
		await proxyForm().locator('.badge', { hasText: 'Stored' }).waitFor();
		for (const text of await pageTexts()) assert.ok(!text.includes(npmPassword), 'the page shows the stored password');
		assert.equal(await proxyForm().getByText('Unsaved changes').count(), 0);

		// The stored password is what Test uses when none is typed.
		const test = await answerOf(() => testButton().click(), 'POST', '/api/proxy/test');
		assert.equal(test.request().postDataJSON().npm_password, undefined);
		assert.equal((await test.json()).ok, true);
		await testResult().getByText(/^Connection works/).waitFor();
		assert.equal(await testResult().getByText('Tested with the password typed above').count(), 0);
	});

	e2e('a bad URL is shown at the URL field, nothing is saved and the typed values stay', async () => {
		await urlInput().fill('ftp://npm.internal');
		await accessLogBox().check();
		const res = await answerOf(() => proxyForm().getByRole('button', { name: 'Save' }).click(), 'PUT', '/api/settings');
		assert.equal(res.status(), 400);
		assert.equal((await res.json()).field, 'npm_url');

		const error = proxyForm().locator('#npm-url-error');
		await error.waitFor();
		assert.match((await error.textContent()) ?? '', /npm_url must be an http or https address/);
		assert.equal(await urlInput().getAttribute('aria-invalid'), 'true');
		assert.match((await urlInput().getAttribute('aria-describedby')) ?? '', /npm-url-error/);
		await eventually(async () => assert.equal(await urlInput().evaluate((el) => el === document.activeElement), true));
		// Nothing was lost, nothing was saved.
		assert.equal(await urlInput().inputValue(), 'ftp://npm.internal');
		assert.equal(await accessLogBox().isChecked(), true);
		const stored = await apiOK('GET', '/api/settings');
		assert.equal(stored.npm_url, npmURL.replace(/\/$/, ''));
		assert.equal(stored.proxy_access_log, false);

		// Typing clears the error.
		await urlInput().fill(npmURL);
		await error.waitFor({ state: 'detached' });
		await accessLogBox().uncheck();
	});

	e2e('trusted proxies: one a line, saved and shown canonical after a reload; a bad one at its field', async () => {
		await trustedInput().fill('not-an-address\n10.0.0.0/8');
		let res = await answerOf(() => proxyForm().getByRole('button', { name: 'Save' }).click(), 'PUT', '/api/settings');
		assert.equal(res.status(), 400);
		const error = proxyForm().locator('#proxy-trusted-error');
		await error.waitFor();
		assert.match((await error.textContent()) ?? '', /not-an-address/);
		assert.equal(await trustedInput().getAttribute('aria-invalid'), 'true');
		assert.deepEqual((await apiOK('GET', '/api/settings')).trusted_proxies, []);

		await trustedInput().fill(' 127.0.0.1 \n\n10.1.2.3/8\n\n::1\n');
		await error.waitFor({ state: 'detached' });
		res = await saveProxySettings();
		assert.deepEqual(res.request().postDataJSON().trusted_proxies, ['127.0.0.1', '10.1.2.3/8', '::1']);
		const canonical = ['127.0.0.1/32', '10.0.0.0/8', '::1/128'];
		assert.deepEqual((await apiOK('GET', '/api/settings')).trusted_proxies, canonical);
		// The answer of the save is shown at once.
		assert.equal(await trustedInput().inputValue(), canonical.join('\n'));

		await p().reload();
		await openSettings();
		assert.equal(await trustedInput().inputValue(), canonical.join('\n'));
	});

	e2e('under NPM a proxy gets a proxy host: Active with its URL, checked at the target', async () => {
		await p().goto('/proxies');
		await p().getByText('No proxies yet.').waitFor();
		await addProxy('npm-app.example.com');
		// NPM routes it in the background: Refresh until the route is active.
		await eventually(async () => {
			await p().getByRole('button', { name: 'Refresh' }).click();
			await routeCell('npm-app.example.com').locator('.badge', { hasText: 'Active' }).waitFor({ timeout: 500 });
		});
		const link = routeCell('npm-app.example.com').getByRole('link', { name: 'http://npm-app.example.com/', exact: true });
		assert.equal(await link.getAttribute('href'), 'http://npm-app.example.com/');

		const answer = await check('npm-app.example.com');
		assert.equal(answer.via, 'upstream');
		assert.equal(answer.answers, true);
		assert.match(
			(await checkResult('npm-app.example.com').textContent()) ?? '',
			/^\s*Answers \(HTTP 200, \d+ ms\), at the target \(NPM routes it\)\s*$/
		);
	});

	e2e('switch back to the built-in proxy: the NPM fields are kept for later', async () => {
		await openSettings();
		await routerRadio('Built-in proxy').check();
		assert.equal(await urlInput().count(), 0);
		assert.equal(await testButton().count(), 0);
		const res = await saveProxySettings();
		assert.deepEqual(Object.keys(res.request().postDataJSON()).sort(), ['proxy_access_log', 'proxy_provider', 'trusted_proxies']);
		const stored = await apiOK('GET', '/api/settings');
		assert.equal(stored.proxy_provider, 'builtin');
		assert.equal(stored.npm_url, npmURL.replace(/\/$/, ''));
		assert.equal(stored.npm_password_set, true);
	});

	e2e('a proxy created in the UI is Active with its URL under the built-in proxy', async () => {
		await p().goto('/proxies');
		const created = await addProxy('app.example.com');
		assert.equal(created.route.router, 'builtin');
		assert.equal(created.route.state, 'active');
		const url = `http://app.example.com:${stack.proxyPort}/`;
		assert.equal(created.route.url, url);

		const cell = routeCell('app.example.com');
		await cell.locator('.badge', { hasText: 'Active' }).waitFor();
		assert.match((await cell.locator('.badge').getAttribute('class')) ?? '', /tone-ok/);
		const link = cell.getByRole('link', { name: url, exact: true });
		assert.equal(await link.getAttribute('href'), url);
		assert.equal(await link.getAttribute('target'), '_blank');
		assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
		// The proxy made under NPM is routed by the built-in proxy now too.
		await eventually(async () => {
			await p().getByRole('button', { name: 'Refresh' }).click();
			await routeCell('npm-app.example.com')
				.getByRole('link', { name: `http://npm-app.example.com:${stack.proxyPort}/`, exact: true })
				.waitFor({ timeout: 500 });
		});
	});

	e2e('Check: the route answers through the built-in proxy, and not once the target stopped', async () => {
		let answer = await check('app.example.com');
		assert.deepEqual([answer.answers, answer.status, answer.via], [true, 200, 'proxy']);
		const result = checkResult('app.example.com');
		assert.match((await result.textContent()) ?? '', /^\s*Answers \(HTTP 200, \d+ ms\), through the built-in proxy\s*$/);

		await target?.close();
		answer = await check('app.example.com');
		assert.equal(answer.answers, false);
		assert.match((await result.textContent()) ?? '', /^\s*No answer: Bad Gateway \(HTTP 502, \d+ ms\), through the built-in proxy\s*$/);
		assert.match((await result.getAttribute('class')) ?? '', /\bfail\b/);
		// The other proxy's check is its own.
		assert.equal(((await checkResult('npm-app.example.com').textContent()) ?? '').trim(), '');
	});

	e2e('the page had no uncaught errors', async () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
