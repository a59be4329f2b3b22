// Browser test of the DNS settings against the Cloudflare API emulator: the
// real binary with DW_CLOUDFLARE_API_URL pointing at cmd/cf-emulator, and
// Debian's chromium driven by playwright-core.
//
//   npm run test:e2e                       (runs this file and e2e.test.mjs)
//   DW_BINARY=/path/to/docker-watcher CF_EMULATOR_BINARY=/path/to/cf-emulator npm run test:e2e
//
// Without CF_EMULATOR_BINARY the emulator is built with `go build` from the
// repository into a temporary folder. The docker-watcher binary must have
// been built after `npm run build`, since it embeds web/build.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
	answerOf as answerOfPage,
	apiClient,
	cfClient,
	chromiumPath,
	clickWithProgress,
	emulatorBinary,
	eventually,
	openPage,
	recordAttribute,
	screenshotOnFailure,
	startDockerWatcher,
	startEmulator,
	startProcess,
	stopProcess,
	webDir
} from './helpers.mjs';

const binary = path.resolve(webDir, process.env.DW_BINARY || '../bin/docker-watcher');
const password = randomBytes(18).toString('base64url');
/** The token the emulator accepts (with DNS edit permission on every zone). */
const cfToken = 'cf-' + randomBytes(24).toString('hex');
const wrongToken = 'cf-wrong-' + randomBytes(12).toString('hex');

let tmpDir = '';
/** @type {ReturnType<typeof startProcess> | undefined} */
let emulator;
/** @type {ReturnType<typeof startProcess> | undefined} */
let server;
let baseURL = '';
let cfBaseURL = '';
/** Zone ids by name, as the emulator printed them. */
let zoneIds = new Map();
/** @type {import('playwright-core').Browser | undefined} */
let browser;
/** @type {import('playwright-core').Page | undefined} */
let page;
const pageErrors = [];

const e2e = screenshotOnFailure(
	() => page,
	() => ({ 'dns-settings-server.log': server?.log ?? '', 'cf-emulator.log': emulator?.log ?? '' })
);

const p = () => /** @type {import('playwright-core').Page} */ (page);
const dnsForm = () => p().getByRole('form', { name: 'DNS settings' });
const tokenInput = () => dnsForm().getByLabel('Cloudflare API token', { exact: true });
const zoneSelect = () => dnsForm().getByLabel('Zone', { exact: true });
const testButton = () => dnsForm().getByRole('button', { name: /^(Test connection|Testing…)$/ });
const testResult = () => p().getByRole('status', { name: 'Connection test result' });

async function apiSettings() {
	const res = await p().request.get(baseURL + '/api/settings');
	assert.equal(res.status(), 200, 'GET /api/settings');
	return { text: await res.text(), json: await res.json() };
}

/** The removal of a left zone's records, in the DNS card. */
const cleanupPanel = (zone) => dnsForm().locator('xpath=..').getByRole('region', { name: new RegExp(`^Removing the records of ${zone.replace(/\./g, '\\.')}`) });
const toast = (text, role = 'status') => p().locator('.toasts').getByRole(role).filter({ hasText: text });

/** Click `button` and return the answer of `method path` it caused. */
const answerOf = (action, method, pathname) => answerOfPage(p(), action, method, pathname);

async function saveDns() {
	const res = await answerOf(() => dnsForm().getByRole('button', { name: 'Save' }).click(), 'PUT', '/api/settings');
	assert.equal(res.status(), 200, `PUT /api/settings: ${await res.text()}`);
	await p().getByRole('status').filter({ hasText: 'DNS settings saved.' }).last().waitFor();
	return res;
}

/** Every text of the page a user or a script could read: markup, input values, visible text. */
async function pageTexts() {
	return p().evaluate(() => [
		document.documentElement.outerHTML,
		document.body.innerText,
		...[...document.querySelectorAll('input, textarea, select')].map((el) => /** @type {HTMLInputElement} */ (el).value)
	]);
}

describe('DNS settings with the Cloudflare API emulator', { concurrency: false }, () => {
	before(async () => {
		assert.ok(existsSync(binary), `no binary at ${binary}: build it (go build -o bin/docker-watcher ./cmd/docker-watcher) or set DW_BINARY`);
		assert.ok(existsSync(chromiumPath), `no chromium at ${chromiumPath}: apt-get install chromium`);
		tmpDir = await mkdtemp(path.join(os.tmpdir(), 'dw-e2e-dns-'));

		({ emulator, baseURL: cfBaseURL, zoneIds } = await startEmulator(await emulatorBinary(tmpDir), {
			token: cfToken,
			zones: ['example.com', 'other.org']
		}));

		({ server, baseURL } = await startDockerWatcher(binary, path.join(tmpDir, 'data'), {
			DW_ADMIN_PASSWORD: password,
			DW_CLOUDFLARE_API_URL: cfBaseURL
		}));
		({ browser, page } = await openPage(baseURL, pageErrors));
	});

	after(async () => {
		await browser?.close().catch(() => {});
		await stopProcess(server?.child);
		await stopProcess(emulator?.child);
		if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
	});

	e2e('log in and open the settings', async () => {
		await p().goto('/login?next=/settings');
		await p().getByLabel('User name').fill('admin');
		await p().getByLabel('Password').fill(password);
		await p().getByRole('button', { name: 'Log in' }).click();
		await p().waitForURL((url) => url.pathname === '/settings');
		await dnsForm().waitFor();
		await eventually(async () => assert.equal(await dnsForm().getByRole('button', { name: 'Save' }).isEnabled(), true));
		// The default: wildcard mode, no provider, so no Cloudflare fields.
		assert.equal(await dnsForm().getByRole('radio', { name: 'Wildcard DNS' }).isChecked(), true);
		assert.equal(await tokenInput().count(), 0);
	});

	e2e('choose managed mode and Cloudflare, save a token: it is stored and never shown', async () => {
		await dnsForm().getByRole('radio', { name: 'Managed records at a DNS provider' }).check();
		await dnsForm().getByText('Managed mode needs a DNS provider').waitFor();
		await dnsForm().getByLabel('DNS provider', { exact: true }).selectOption('cloudflare');
		await tokenInput().fill(cfToken);

		const res = await saveDns();
		const sent = res.request().postDataJSON();
		assert.deepEqual(Object.keys(sent).sort(), [
			'cloudflare_api_token',
			'cloudflare_proxied',
			'cloudflare_zone_id',
			'cloudflare_zone_name',
			'dns_delete_grace_seconds',
			'dns_provider',
			'dns_sync_interval_seconds',
			'dns_ttl',
			'wildcard_dns'
		]);
		assert.equal(sent.cloudflare_api_token, cfToken);

		// "Stored" state: a badge, an empty field with a placeholder saying so.
		await dnsForm().getByText('Stored', { exact: true }).waitFor();
		assert.equal(await tokenInput().inputValue(), '');
		assert.match((await tokenInput().getAttribute('placeholder')) ?? '', /stored/i);
		for (const text of await pageTexts()) assert.ok(!text.includes(cfToken), 'the token is not in the page');

		const { text, json } = await apiSettings();
		assert.ok(!text.includes(cfToken), 'GET /api/settings does not contain the token');
		assert.equal(json.cloudflare_api_token_set, true);
		assert.equal(json.wildcard_dns, false);
		assert.equal(json.dns_provider, 'cloudflare');
	});

	e2e('load the zones, pick example.com and save', async () => {
		const res = await answerOf(
			() => dnsForm().getByRole('button', { name: /^(Load zones|Reload zones)$/ }).click(),
			'GET',
			'/api/dns/zones'
		);
		assert.equal(res.status(), 200, `GET /api/dns/zones: ${await res.text()}`);
		const zones = await res.json();
		assert.deepEqual(zones.map((z) => z.name).sort(), ['example.com', 'other.org']);

		await eventually(async () => {
			const labels = await zoneSelect().locator('option').allTextContents();
			assert.ok(labels.map((l) => l.trim()).includes('other.org'), `zone options: ${labels}`);
		});
		await zoneSelect().selectOption({ label: 'example.com' });
		const sent = (await saveDns()).request().postDataJSON();
		assert.equal('cloudflare_api_token' in sent, false, 'no token is sent when none was typed');

		const { json } = await apiSettings();
		assert.equal(json.cloudflare_zone_id, zoneIds.get('example.com'));
		assert.equal(json.cloudflare_zone_name, 'example.com');
		assert.equal(json.cloudflare_api_token_set, true, 'the stored token was kept');

		// After a reload the zones load by themselves and example.com is chosen.
		await p().reload();
		await eventually(async () => {
			assert.equal(await zoneSelect().inputValue(), zoneIds.get('example.com'));
			assert.equal(await zoneSelect().locator('option').count(), 3);
		});
	});

	e2e('test the connection: every check passes', async () => {
		const res = await clickWithProgress(p(), '/api/dns/test', testButton, async (button) => {
			assert.equal((await button.textContent())?.trim(), 'Testing…');
			assert.equal(await button.isDisabled(), true);
		});
		assert.equal(res.status(), 200, `POST /api/dns/test: ${await res.text()}`);
		assert.deepEqual(res.request().postDataJSON(), { dns_provider: 'cloudflare', cloudflare_zone_id: zoneIds.get('example.com') });
		const body = await res.json();
		assert.equal(body.ok, true, JSON.stringify(body));
		assert.ok(body.checks.length > 0);

		const result = testResult();
		await result.waitFor();
		assert.match((await result.textContent()) ?? '', /all \d+ checks passed/);
		const items = result.getByRole('listitem');
		assert.equal(await items.count(), body.checks.length);
		for (let i = 0; i < body.checks.length; i++) {
			const text = (await items.nth(i).textContent()) ?? '';
			assert.match(text, /Passed:/);
			assert.ok(text.includes(body.checks[i].message), `"${text}" shows "${body.checks[i].message}"`);
		}
		assert.equal(await testButton().isEnabled(), true);
	});

	e2e("a wrong, unsaved token fails the token check with Cloudflare's message", async () => {
		await tokenInput().fill(wrongToken);
		const res = await answerOf(() => testButton().click(), 'POST', '/api/dns/test');
		assert.equal(res.status(), 200, `POST /api/dns/test: ${await res.text()}`);
		const sent = res.request().postDataJSON();
		assert.equal(sent.cloudflare_api_token, wrongToken, 'the typed token is tested');
		const body = await res.json();
		assert.equal(body.ok, false);
		const tokenCheck = body.checks.find((c) => c.name === 'token');
		assert.ok(tokenCheck && !tokenCheck.ok, `token check fails: ${JSON.stringify(body.checks)}`);
		// Cloudflare's own words for an unknown token.
		assert.match(tokenCheck.message, /Invalid API Token|Authentication error/i);

		const result = testResult();
		await result.getByText(/The connection test failed/).waitFor();
		await result.getByText('Tested with the token typed above').waitFor();
		const item = result.getByRole('listitem').filter({ hasText: 'API token' });
		const text = (await item.textContent()) ?? '';
		assert.match(text, /Failed:/);
		assert.ok(text.includes(tokenCheck.message), `"${text}" shows "${tokenCheck.message}"`);

		// Testing saved nothing.
		const { text: stored, json } = await apiSettings();
		assert.ok(!stored.includes(wrongToken));
		assert.equal(json.cloudflare_api_token_set, true);
		await tokenInput().fill('');
	});

	e2e("a TTL out of range shows the API's error next to the field", async () => {
		await dnsForm().getByLabel('Record TTL').selectOption('custom');
		const input = dnsForm().getByLabel('TTL in seconds');
		await input.fill('30');
		const res = await answerOf(() => dnsForm().getByRole('button', { name: 'Save' }).click(), 'PUT', '/api/settings');
		assert.equal(res.status(), 400);
		const body = await res.json();
		assert.equal(body.field, 'dns_ttl');
		await eventually(async () => assert.equal(await input.getAttribute('aria-invalid'), 'true'));
		const describedBy = ((await input.getAttribute('aria-describedby')) ?? '').split(' ');
		assert.equal((await p().locator(`#${describedBy.at(-1)}`).textContent())?.trim(), body.error);
		assert.equal(await input.evaluate((el) => el === document.activeElement), true);

		await dnsForm().getByLabel('Record TTL').selectOption('300');
		await saveDns();
		assert.equal((await apiSettings()).json.dns_ttl, 300);
	});

	e2e('the DNS page shows the managed mode, provider and zone', async () => {
		await p().getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'DNS' }).click();
		await p().waitForURL((url) => url.pathname === '/dns');
		await p().getByText('Managed', { exact: true }).waitFor();
		const facts = p().locator('dl.facts');
		await facts.getByText('Cloudflare', { exact: true }).waitFor();
		await facts.getByText('example.com', { exact: true }).waitFor();
	});

	e2e('switching to wildcard removes the records of the zone: the steps, then a toast', async () => {
		// Two proxies with records at the emulator.
		const cf = cfClient(() => cfBaseURL, cfToken);
		const zoneId = zoneIds.get('example.com');
		const api = apiClient(p, () => baseURL);
		await api.apiOK('PUT', '/api/settings', { public_ipv4: '203.0.113.10' });
		for (const domain of ['a.example.com', 'b.example.com']) {
			await api.apiOK('POST', '/api/proxies', { domain, forward_scheme: 'http', forward_host: '127.0.0.1', forward_port: 3000 });
		}
		const report = await api.apiOK('POST', '/api/dns/sync');
		assert.equal(report.errors, 0, JSON.stringify(report));
		const ours = async () => (await cf('GET', `/zones/${zoneId}/dns_records`)).filter((r) => /^[ab]\.example\.com$/.test(r.name));
		await eventually(async () => assert.equal((await ours()).length, 2));

		await p().goto('/settings');
		await eventually(async () => assert.equal(await dnsForm().getByRole('button', { name: 'Save' }).isEnabled(), true));
		// The states the panel shows, each time its state changes.
		const states = await recordAttribute(p(), 'section.cleanup', 'data-state');
		await dnsForm().getByRole('radio', { name: 'Wildcard DNS' }).check();
		const res = await saveDns();
		const saved = await res.json();
		assert.deepEqual(
			saved.dns_cleanups.map((c) => [c.zone_name, c.records, c.last_error]),
			[['example.com', 2, '']],
			'the save answers the zone left, with its two records'
		);

		const panel = cleanupPanel('example.com');
		await panel.waitFor();
		const steps = panel.getByRole('list', { name: 'Steps of the removal from example.com' });
		await toast('Removed the 2 records Docker Watcher created in example.com at Cloudflare.').waitFor({ timeout: 20_000 });
		assert.deepEqual(await steps.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-state'))), ['done', 'done', 'done']);
		assert.equal(await panel.locator('.badge').textContent(), 'removed');
		assert.deepEqual(await states(), ['removing', 'done'], 'the removal was shown under way, then done');
		assert.deepEqual(await ours(), [], 'the records are gone from the zone');
	});

	e2e('back to managed mode: the records come back, and the ended removal is no longer shown', async () => {
		await dnsForm().getByRole('radio', { name: 'Managed records at a DNS provider' }).check();
		const saved = await (await saveDns()).json();
		assert.deepEqual(saved.dns_cleanups, []);
		await cleanupPanel('example.com').waitFor({ state: 'detached' });
		const cf = cfClient(() => cfBaseURL, cfToken);
		await eventually(async () => {
			const names = (await cf('GET', `/zones/${zoneIds.get('example.com')}/dns_records`)).map((r) => r.name);
			assert.ok(names.includes('a.example.com') && names.includes('b.example.com'), `records: ${names}`);
		}, 20_000);
	});

	e2e("a refused stored token shows Cloudflare's message next to the zone selector", async () => {
		await p().getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
		await eventually(async () => assert.equal(await dnsForm().getByRole('button', { name: 'Save' }).isEnabled(), true));
		await tokenInput().fill(wrongToken);
		// Saving a new token reloads the zones with it.
		const [zonesRes] = await Promise.all([
			p().waitForResponse((r) => new URL(r.url()).pathname === '/api/dns/zones'),
			saveDns()
		]);
		assert.equal(zonesRes.status(), 502);
		const body = await zonesRes.json();
		assert.match(body.error, /Invalid|Authentication/i, 'the message is Cloudflare\'s');
		const error = p().locator('#dns-zone-error');
		await eventually(async () => assert.equal((await error.textContent())?.trim(), `Could not load the zones: ${body.error}`));
		assert.equal(await zoneSelect().getAttribute('aria-invalid'), 'true');
		// The chosen zone stays chosen.
		assert.equal(await zoneSelect().inputValue(), zoneIds.get('example.com'));
	});

	e2e('clear the stored token', async () => {
		await dnsForm().getByRole('button', { name: 'Clear the stored API token' }).click();
		await dnsForm().getByText('The stored token is removed when you save.').waitFor();
		const sent = (await saveDns()).request().postDataJSON();
		assert.equal(sent.cloudflare_api_token, '');
		assert.equal((await apiSettings()).json.cloudflare_api_token_set, false);
		assert.equal(await dnsForm().getByText('Stored', { exact: true }).count(), 0);
	});

	e2e('no uncaught errors in the page', async () => {
		assert.deepEqual(pageErrors.map(String), []);
	});
});
