// Browser test of the Certificates card of the settings page: the real
// binary (without a Docker Engine: DOCKER_HOST on a socket that does not
// exist) and Debian's chromium driven by playwright-core. The HTTPS
// settings are set through the card and read back after a reload, bad
// values are named next to their fields, and Let's Encrypt's staging and
// production directories are one click each.
//
// The certificate list: the first test checks that the card shows what the
// real server answers for GET /api/certificates, whatever that is (a 404
// until the certificate manager's routes land, the list after). The tests
// of the list's rendering intercept /api/certificates (and
// /api/certificates/renew) with playwright's page.route and answer a fixed
// sample: they check how the card shows states, dates, errors and the Renew
// button's round trip, not issuance, which the certificate manager's own
// tests cover against Pebble.
//
//   npm run test:e2e                       (runs this file with the others)
//   DW_BINARY=/path/to/docker-watcher node --test tests/certificates-ui.test.mjs
//
// The docker-watcher binary must have been built after `npm run build`,
// since it embeds web/build.

import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { browserStack, eventually, screenshotOnFailure } from './helpers.mjs';

const PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
const STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';
const EMPTY_DISABLED = 'Set a domain and enable ACME to get certificates.';
const RENEW_STARTED = 'Renewal started: the certificates are obtained in the background.';

const stack = browserStack({
	name: 'certificates-ui',
	// A socket that does not exist: no engine is needed, whatever the machine runs.
	services: async () => ({ env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } })
});
const { p, api, apiOK, answerOf } = stack;
const e2e = screenshotOnFailure(() => stack.page, stack.logs);

const form = () => p().getByRole('form', { name: 'Certificate settings' });
const acmeBox = () => form().getByLabel('Obtain certificates (ACME)', { exact: true });
const emailInput = () => form().getByLabel('Contact email', { exact: true });
const directoryInput = () => form().getByLabel('ACME directory URL', { exact: true });
const stagingButton = () => form().getByRole('button', { name: "Use Let's Encrypt staging", exact: true });
const productionButton = () => form().getByRole('button', { name: 'Use production', exact: true });
const redirectBox = () => form().getByLabel('Redirect HTTP to HTTPS', { exact: true });
const hstsBox = () => form().getByLabel('Send HSTS (Strict-Transport-Security)', { exact: true });
const uiDomainInput = () => form().getByLabel('UI domain', { exact: true });
const saveButton = () => form().getByRole('button', { name: 'Save', exact: true });
const fieldError = (field) => form().locator(`#https-${field}-error`);
const list = () => p().getByRole('region', { name: 'Issued certificates' });
const listAlert = () => list().getByRole('alert');
const renewButton = () => list().getByRole('button', { name: /^(Renew now|Renewing…)$/ });
const rows = () => list().locator('tbody tr');
const cell = (row, label) => rows().nth(row).locator(`td[data-label="${label}"]`);
const toast = (text) => p().locator('.toasts').getByRole('status').filter({ hasText: text });

/** Only GET /api/certificates, not /api/certificates/renew. */
const listURL = (/** @type {URL} */ url) => url.pathname === '/api/certificates';
const renewURL = (/** @type {URL} */ url) => url.pathname === '/api/certificates/renew';

/** A fixed sample of GET /api/certificates, for the rendering checks only. */
const SAMPLE = {
	enabled: true,
	certificates: [
		{
			names: ['*.example.com', 'example.com'],
			challenge: 'dns-01',
			issuer: "Let's Encrypt",
			not_before: '2026-11-27T21:00:00Z',
			not_after: '2027-02-25T21:00:00Z',
			state: 'valid',
			last_error: '',
			renewal_at: '2027-01-26T21:00:00Z'
		},
		{
			names: ['shop.example.org'],
			challenge: 'http-01',
			issuer: '',
			not_before: null,
			not_after: null,
			state: 'error',
			last_error: 'acme: urn:ietf:params:acme:error:connection: 203.0.113.10: Timeout during connect',
			renewal_at: null
		},
		{
			names: ['dw.example.com'],
			challenge: 'http-01',
			issuer: '',
			not_before: null,
			not_after: null,
			state: 'pending',
			last_error: '',
			renewal_at: null
		}
	]
};

/**
 * Answer GET /api/certificates with `body` (and `status`) from now on,
 * counting the calls; `stop` lets them reach the server again.
 */
async function fakeList(body, status = 200) {
	const calls = { count: 0 };
	const handler = async (/** @type {import('playwright-core').Route} */ route) => {
		if (route.request().method() !== 'GET') return route.fallback();
		calls.count++;
		await route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
	};
	await p().route(listURL, handler);
	return { calls, stop: () => p().unroute(listURL, handler) };
}

async function openSettings() {
	await p().goto('/settings');
	await eventually(async () => assert.equal(await saveButton().isEnabled(), true));
}

async function save() {
	return answerOf(() => saveButton().click(), 'PUT', '/api/settings');
}

/** A date as the page shows it: the browser's locale, medium date, short time. */
function localDate(iso) {
	return p().evaluate((d) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(d)), iso);
}

/** The card shows the real server's answer to GET /api/certificates. */
async function expectServerAnswer() {
	const res = await api('GET', '/api/certificates');
	if (res.status === 200) {
		const first = res.json.certificates[0];
		if (first) await list().getByText(first.names[0], { exact: true }).first().waitFor();
		else await list().getByText(res.json.enabled ? /No certificates yet/ : res.json.off_reason || EMPTY_DISABLED).waitFor();
		return;
	}
	assert.equal(typeof res.json?.error, 'string', `GET /api/certificates: ${res.status} ${res.text}`);
	await listAlert().getByText(`Could not load the certificates: ${res.json.error}`).waitFor();
}

describe('The Certificates card of the settings page', { concurrency: false }, () => {
	before(() => stack.start());
	after(() => stack.stop());

	e2e('log in: the defaults, and what the server answers for the certificates; the rest of the page works', async () => {
		await stack.logIn('/settings');
		await eventually(async () => assert.equal(await saveButton().isEnabled(), true));
		assert.equal(await acmeBox().isChecked(), true);
		await form().getByText('No domain is set yet: certificates are obtained once one is').waitFor();
		assert.equal(await emailInput().inputValue(), '');
		assert.equal(await directoryInput().inputValue(), PRODUCTION);
		assert.equal(await productionButton().getAttribute('aria-pressed'), 'true');
		assert.equal(await stagingButton().getAttribute('aria-pressed'), 'false');
		assert.equal(await redirectBox().isChecked(), true);
		assert.equal(await hstsBox().isChecked(), false);
		assert.equal(await uiDomainInput().inputValue(), '');
		await expectServerAnswer();

		// The other cards load and save beside it.
		const general = p().getByRole('form', { name: 'General settings' });
		await general.getByLabel('Domain', { exact: true }).fill('example.com');
		const res = await answerOf(() => general.getByRole('button', { name: 'Save' }).click(), 'PUT', '/api/settings');
		assert.equal(res.status(), 200, await res.text());
		await toast('Settings saved.').last().waitFor();
		await openSettings();
		await form().getByText('On by default: certificates are obtained once a domain is set.').waitFor();
		await expectServerAnswer();
	});

	e2e("Let's Encrypt staging and production are one click each", async () => {
		await stagingButton().click();
		assert.equal(await directoryInput().inputValue(), STAGING);
		assert.equal(await stagingButton().getAttribute('aria-pressed'), 'true');
		assert.equal(await productionButton().getAttribute('aria-pressed'), 'false');
		await form().getByText("Let's Encrypt staging: certificates browsers do not trust").waitFor();
		await form().getByText('Unsaved changes').waitFor();

		await productionButton().click();
		assert.equal(await directoryInput().inputValue(), PRODUCTION);
		assert.equal(await productionButton().getAttribute('aria-pressed'), 'true');
		assert.equal(await stagingButton().getAttribute('aria-pressed'), 'false');
		await form().getByText("Let's Encrypt: certificates every browser trusts.").waitFor();
		assert.equal(await form().getByText('Unsaved changes').count(), 0);

		// Another CA: neither is pressed.
		await directoryInput().fill('https://127.0.0.1:14000/dir');
		assert.equal(await productionButton().getAttribute('aria-pressed'), 'false');
		assert.equal(await stagingButton().getAttribute('aria-pressed'), 'false');
		await form().getByText('Another ACME CA').waitFor();
		await stagingButton().click();
		assert.equal(await directoryInput().inputValue(), STAGING);
	});

	e2e('the HTTPS settings are saved through the card and shown after a reload', async () => {
		await acmeBox().uncheck();
		await emailInput().fill(' admin@example.com ');
		await redirectBox().uncheck();
		await hstsBox().check();
		await uiDomainInput().fill('DW.Example.com');
		const res = await save();
		assert.equal(res.status(), 200, await res.text());
		assert.deepEqual(res.request().postDataJSON(), {
			acme_enabled: false,
			acme_email: 'admin@example.com',
			acme_directory_url: STAGING,
			https_redirect: false,
			hsts: true,
			ui_domain: 'DW.Example.com'
		});
		await toast('Certificate settings saved.').last().waitFor();
		// The answer's normal form is shown at once.
		assert.equal(await uiDomainInput().inputValue(), 'dw.example.com');
		assert.equal(await form().getByText('Unsaved changes').count(), 0);

		await p().reload();
		await eventually(async () => assert.equal(await saveButton().isEnabled(), true));
		assert.equal(await acmeBox().isChecked(), false);
		assert.equal(await emailInput().inputValue(), 'admin@example.com');
		assert.equal(await directoryInput().inputValue(), STAGING);
		assert.equal(await stagingButton().getAttribute('aria-pressed'), 'true');
		assert.equal(await redirectBox().isChecked(), false);
		assert.equal(await hstsBox().isChecked(), true);
		assert.equal(await uiDomainInput().inputValue(), 'dw.example.com');

		const stored = await apiOK('GET', '/api/settings');
		assert.deepEqual(
			[stored.acme_enabled, stored.acme_email, stored.acme_directory_url, stored.https_redirect, stored.hsts, stored.ui_domain],
			[false, 'admin@example.com', STAGING, false, true, 'dw.example.com']
		);
		// Back on, for the tests below.
		await acmeBox().check();
		assert.equal((await save()).status(), 200);
	});

	e2e('a bad directory URL, a bad email and a taken UI domain are named next to their fields; nothing is saved', async () => {
		const before = await apiOK('GET', '/api/settings');

		await directoryInput().fill('http://acme.example/directory');
		let res = await save();
		assert.equal(res.status(), 400);
		assert.equal((await res.json()).field, 'acme_directory_url');
		await fieldError('acme_directory_url').getByText(/acme_directory_url must be an https address/).waitFor();
		assert.equal(await directoryInput().getAttribute('aria-invalid'), 'true');
		assert.match((await directoryInput().getAttribute('aria-describedby')) ?? '', /https-acme_directory_url-error/);
		await eventually(async () => assert.equal(await directoryInput().evaluate((el) => el === document.activeElement), true));
		assert.equal(await fieldError('acme_email').count(), 0);
		// Changing the field takes its error away.
		await productionButton().click();
		assert.equal(await fieldError('acme_directory_url').count(), 0);
		assert.equal(await directoryInput().getAttribute('aria-invalid'), null);

		await emailInput().fill('Admin <admin@example.com>');
		res = await save();
		assert.equal(res.status(), 400);
		await fieldError('acme_email').getByText('acme_email must be an email address like admin@example.com').waitFor();
		assert.equal(await emailInput().getAttribute('aria-invalid'), 'true');
		assert.equal(await fieldError('acme_directory_url').count(), 0);
		await emailInput().fill('admin@example.com');

		// The UI's name cannot be a standalone proxy's domain (409).
		await apiOK('POST', '/api/proxies', { domain: 'app.example.com', forward_scheme: 'http', forward_host: '127.0.0.1', forward_port: 9 });
		await uiDomainInput().fill('app.example.com');
		res = await save();
		assert.equal(res.status(), 409);
		await fieldError('ui_domain').getByText('app.example.com is the domain of the standalone proxy', { exact: false }).waitFor();
		assert.equal(await uiDomainInput().getAttribute('aria-invalid'), 'true');

		assert.deepEqual(await apiOK('GET', '/api/settings'), before);
		// The typed values stay, to be corrected.
		assert.equal(await uiDomainInput().inputValue(), 'app.example.com');
		await form().getByText('Unsaved changes').waitFor();
	});

	e2e('the list shows states, dates in the locale and the last error (a sample through page.route)', async () => {
		const fake = await fakeList(SAMPLE);
		try {
			await openSettings();
			await eventually(async () => assert.equal(await rows().count(), 3));

			assert.deepEqual(await cell(0, 'Names').getByRole('listitem').allTextContents(), ['*.example.com', 'example.com']);
			assert.equal((await cell(0, 'Challenge').textContent())?.trim(), 'DNS-01');
			assert.equal((await cell(0, 'Issuer').textContent())?.trim(), "Let's Encrypt");
			const [from, until, renewal] = await Promise.all(
				['2026-11-27T21:00:00Z', '2027-02-25T21:00:00Z', '2027-01-26T21:00:00Z'].map(localDate)
			);
			assert.equal((await cell(0, 'Valid').textContent())?.trim(), `${from} – ${until}`);
			assert.equal((await cell(0, 'Renewal').textContent())?.trim(), renewal);
			assert.equal(await cell(0, 'Renewal').locator('time').getAttribute('datetime'), '2027-01-26T21:00:00Z');
			const valid = cell(0, 'State').locator('.badge');
			assert.equal((await valid.textContent())?.trim(), 'Valid');
			assert.match((await valid.getAttribute('class')) ?? '', /\btone-ok\b/);

			assert.equal((await cell(1, 'Challenge').textContent())?.trim(), 'HTTP-01');
			assert.equal((await cell(1, 'Valid').textContent())?.trim(), '—');
			const error = cell(1, 'State').locator('.badge');
			assert.equal((await error.textContent())?.trim(), 'Error');
			assert.match((await error.getAttribute('class')) ?? '', /\btone-bad\b/);
			await cell(1, 'State').getByText(SAMPLE.certificates[1].last_error).waitFor();

			assert.equal((await cell(2, 'State').locator('.badge').textContent())?.trim(), 'Pending');
			assert.equal((await cell(2, 'Renewal').textContent())?.trim(), '—');
			assert.equal(await renewButton().isEnabled(), true);
		} finally {
			await fake.stop();
		}
	});

	e2e('an empty list says what to do, and Renew now waits (a sample through page.route)', async () => {
		const fake = await fakeList({ enabled: false, certificates: [] });
		try {
			await openSettings();
			await list().getByText(EMPTY_DISABLED, { exact: true }).waitFor();
			assert.equal(await rows().count(), 0);
			assert.equal(await renewButton().isDisabled(), true);
		} finally {
			await fake.stop();
		}
	});

	e2e('Renew now posts, shows a toast and loads the list again (both routes through page.route)', async () => {
		const fake = await fakeList(SAMPLE);
		const renewCalls = [];
		await p().route(renewURL, async (route) => {
			renewCalls.push(route.request().method());
			await new Promise((r) => setTimeout(r, 300)); // to see the button busy
			await route.fulfill({ status: 202, contentType: 'application/json', body: JSON.stringify({ started: true }) });
		});
		try {
			await openSettings();
			await eventually(async () => assert.equal(await rows().count(), 3));
			const loadsBefore = fake.calls.count;
			await renewButton().click();
			await eventually(async () => assert.equal((await renewButton().textContent())?.trim(), 'Renewing…'), 2000);
			assert.equal(await renewButton().isDisabled(), true);
			await toast(RENEW_STARTED).last().waitFor();
			assert.deepEqual(renewCalls, ['POST']);
			await eventually(async () => assert.equal(fake.calls.count, loadsBefore + 1));
			await eventually(async () => assert.equal((await renewButton().textContent())?.trim(), 'Renew now'));
		} finally {
			await p().unroute(renewURL);
			await fake.stop();
		}
	});

	e2e("Renew now follows each certificate to its end: steps and a bar, then toasts: issued, and the CA's message (answers through page.route)", async () => {
		const CA_ERROR = 'acme: urn:ietf:params:acme:error:connection: 203.0.113.10: Timeout during connect';
		const wildcard = { ...SAMPLE.certificates[0], last_attempt_at: null };
		const shop = { names: ['shop.example.org'], challenge: 'http-01', issuer: '', not_before: null, not_after: null, state: 'pending', last_error: '', renewal_at: null, last_attempt_at: null };
		// What the server says at each phase: as the card opens; once the renewal runs; once both attempts ended.
		const phases = [
			[wildcard, shop],
			[{ ...wildcard, state: 'renewing' }, { ...shop, state: 'obtaining' }],
			[{ ...wildcard, last_attempt_at: '2026-12-02T10:00:09Z' }, { ...shop, state: 'error', last_error: CA_ERROR, last_attempt_at: '2026-12-02T10:00:10Z' }]
		];
		let phase = 0;
		const handler = async (/** @type {import('playwright-core').Route} */ route) => {
			if (route.request().method() !== 'GET') return route.fallback();
			await route.fulfill({ contentType: 'application/json', body: JSON.stringify({ enabled: true, certificates: phases[phase] }) });
		};
		await p().route(listURL, handler);
		await p().route(renewURL, (route) => route.fulfill({ status: 202, contentType: 'application/json', body: '{"started":true}' }));
		const panel = () => list().getByRole('region', { name: /^Renewing 2 certificates/ });
		const steps = () => panel().getByRole('list', { name: 'Steps of obtaining 2 certificates' });
		const stepStates = () => steps().locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-state')));
		const line = (name) => panel().getByRole('list', { name: 'Certificates of this run' }).getByRole('listitem').filter({ hasText: name });
		try {
			await openSettings();
			await eventually(async () => assert.equal(await rows().count(), 2));
			assert.equal(await panel().count(), 0, 'nothing is being obtained: no steps');

			phase = 1;
			await renewButton().click();
			await panel().waitFor();
			await eventually(async () => assert.deepEqual(await stepStates(), ['done', 'current', 'todo']));
			await steps().getByText('0 of 2 done').waitFor();
			assert.equal(await steps().locator('progress').getAttribute('value'), '0');
			assert.equal((await line('*.example.com').locator('.badge').textContent())?.trim(), 'renewing');
			assert.equal((await line('shop.example.org').locator('.badge').textContent())?.trim(), 'obtaining');
			assert.equal((await panel().locator('h3 .badge').textContent())?.trim(), 'under way');

			phase = 2;
			await list().getByRole('button', { name: 'Refresh', exact: true }).click();
			await toast('Certificate issued for *.example.com and example.com.').waitFor();
			await p()
				.locator('.toasts')
				.getByRole('alert')
				.filter({ hasText: `Could not obtain the certificate for shop.example.org: A${CA_ERROR.slice(1)}.` })
				.waitFor();
			assert.deepEqual(await stepStates(), ['done', 'failed', 'todo']);
			await steps().locator('li[data-state="failed"] .detail').getByText(CA_ERROR).waitFor();
			assert.equal((await panel().locator('h3 .badge').textContent())?.trim(), '1 failed');
			assert.equal((await line('*.example.com').locator('.badge').textContent())?.trim(), 'issued');
			assert.match((await line('*.example.com').textContent()) ?? '', /valid until /);
			await line('shop.example.org').getByText(CA_ERROR).waitFor();
		} finally {
			await p().unroute(renewURL);
			await p().unroute(listURL, handler);
		}
	});

	e2e("a failed load shows the server's message in the card; the page keeps working (a 500 through page.route)", async () => {
		const fake = await fakeList({ error: 'the certificate store is unreadable' }, 500);
		try {
			await openSettings();
			await listAlert().getByText('Could not load the certificates: the certificate store is unreadable').waitFor();
			// Not a toast: the card says it.
			assert.equal(await p().locator('.toasts').getByText('the certificate store is unreadable').count(), 0);
			assert.equal(await p().getByRole('form', { name: 'General settings' }).getByLabel('Domain', { exact: true }).inputValue(), 'example.com');
			await hstsBox().uncheck();
			assert.equal((await save()).status(), 200);
			await toast('Certificate settings saved.').last().waitFor();
		} finally {
			await fake.stop();
		}
		// Try again asks the server itself.
		await listAlert().getByRole('button', { name: 'Try again' }).click();
		await expectServerAnswer();
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
