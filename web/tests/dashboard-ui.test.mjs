// Browser test of the dashboard and of the live pages: the real binary with
// the Cloudflare API emulator (through the gate of helpers.mjs, open here),
// and Debian's chromium driven by playwright-core.
//
//   npm run test:e2e                       (runs this file with the others)
//   DW_BINARY=/path/to/docker-watcher CF_EMULATOR_BINARY=/path/to/cf-emulator node --test tests/dashboard-ui.test.mjs
//
// Every change is made through the API from the test, outside the page, and
// the page must show it without a reload: each page gets a marker in its
// window before the change, which a reload would remove. ACME is on, with a
// CA address where nothing answers, so that the certificates fail on their
// own (certificates_changed) without any CA. The last test stops Docker
// Watcher, changes a proxy through a second server on the same data folder
// while the page's stream is down, and starts it again on the same port: the
// pages reconnect and refetch what they missed (their streams are refused
// until the restarted server's start-up events are over, so that only the
// reconnection can make them refetch).

import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { dnsTestStack, eventually, freePort, screenshotOnFailure, startDockerWatcher, stopProcess } from './helpers.mjs';

const zoneName = 'example.com';
const stack = dnsTestStack({ name: 'dashboard-ui', zones: [zoneName], env: { DW_ACME: 'on' } });
const { p, apiOK, api } = stack;
const e2e = screenshotOnFailure(() => stack.page, stack.logs);

/** Where the CA is said to be: a port where nothing listens. */
let deadCA = '';

const tile = (id) => p().locator(`[data-tile="${id}"]`);
const tileValue = async (id, page = p()) => ((await page.locator(`[data-tile="${id}"] .value`).textContent()) ?? '').trim();
const check = (id) => p().locator(`[data-check="${id}"]`);
const liveStatus = (page = p()) => page.getByRole('status').filter({ hasText: 'Live updates:' });
const recent = () => p().getByRole('region', { name: 'Recent events' });
const dnsCard = () => p().getByRole('region', { name: 'DNS', exact: true });
const nextSteps = () => p().getByRole('region', { name: 'Get started' });
const text = async (locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** Mark the page's window: the mark is gone after a reload or a full navigation. */
const mark = (page = p()) => page.evaluate(() => Object.assign(window, { __dwNoReload: true }));
const assertNotReloaded = async (page = p()) =>
	assert.equal(await page.evaluate(() => /** @type {any} */ (window).__dwNoReload === true), true, 'the page was reloaded');

/** Open a page of the app by a click on a link, as a user does (no reload). */
async function open(path) {
	await p().evaluate((href) => {
		const a = document.createElement('a');
		a.href = href;
		document.body.append(a);
		a.click();
		a.remove();
	}, path);
	await p().waitForURL((url) => url.pathname + url.hash === path);
}

const proxy = (domain) => ({ domain, forward_scheme: 'http', forward_host: '127.0.0.1', forward_port: 3000 });

describe('dashboard and live pages', { concurrency: false }, () => {
	before(async () => {
		await stack.start();
		/** @type {NonNullable<typeof stack.gate>} */ (stack.gate).state.open = true;
		deadCA = `https://127.0.0.1:${await freePort()}/directory`;
	});

	after(() => stack.stop());

	e2e('a fresh install: zero counts, wildcard mode, and what to do next', async () => {
		await stack.logIn('/');
		await p().getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
		await liveStatus().getByText('Live', { exact: true }).waitFor();
		await eventually(async () => assert.equal(await tileValue('apps'), '0'));
		for (const id of ['instances', 'proxies', 'records', 'certificates']) assert.equal(await tileValue(id), '0', id);
		assert.match(await text(tile('apps')), /None yet: add one/);
		assert.equal(await text(dnsCard().locator('[data-mode]')), 'Wildcard');
		assert.match(await text(dnsCard()), /no domain is set yet/);
		assert.match(await text(check('dns')), /Not used/);
		assert.match(await text(check('acme')), /Off.*Set a domain to get certificates\./);
		const health = (await api('GET', '/healthz')).json;
		assert.match(await text(check('engine')), health.docker === 'ok' ? /Reachable/ : /Unreachable/);
		await nextSteps().getByRole('link', { name: 'Set your domain in Settings' }).waitFor();
		await nextSteps().getByRole('link', { name: 'Add an app' }).waitFor();
		await nextSteps().getByRole('link', { name: 'Add a standalone proxy' }).waitFor();
		// Everything is reached by the keyboard, with a visible focus.
		await tile('instances').focus();
		await p().keyboard.press('Shift+Tab');
		assert.equal(await tile('apps').evaluate((el) => el === document.activeElement), true);
		assert.equal(await tile('apps').evaluate((el) => getComputedStyle(el).outlineStyle), 'solid');
	});

	e2e('a proxy created through the API shows in the counts and the recent events without a reload', async () => {
		await mark();
		const created = await apiOK('POST', '/api/proxies', proxy('one.example.com'));
		await eventually(async () => assert.equal(await tileValue('proxies'), '1'));
		assert.match(await text(tile('proxies')), /domain routed/);
		await recent().getByRole('link', { name: `Proxy ${created.id} changed` }).waitFor();
		assert.match(await text(recent()), /now/);
		// With a proxy there, the next steps no longer ask for one.
		await eventually(async () => assert.equal(await nextSteps().getByRole('link', { name: 'Add a standalone proxy' }).count(), 0));
		await assertNotReloaded();
	});

	e2e('the Certificates card follows the certificate manager on its own', async () => {
		await open('/settings#certificates');
		const list = p().getByRole('region', { name: 'Issued certificates' });
		// The server's reason: ACME is on for it (DW_ACME on), but no domain is set.
		await list.getByText('Set a domain to get certificates.', { exact: true }).waitFor();
		await mark();
		// Managed DNS: the wildcard and the apex through DNS-01, from a CA that does not answer.
		await apiOK('PUT', '/api/settings', stack.managedDNS(zoneName, { acme_directory_url: deadCA }));
		const row = (name) => list.locator('tbody tr').filter({ has: p().getByText(name, { exact: true }) });
		await row('*.example.com').waitFor();
		await row('example.com').waitFor();
		// The failed attempts come as certificates_changed: the state moves on by itself.
		await eventually(async () => {
			assert.equal(await text(row('*.example.com').locator('td[data-label="State"] .badge')), 'Error');
			assert.match(await text(row('*.example.com').locator('td[data-label="State"]')), /127\.0\.0\.1|connect|refused/i);
		}, 60_000);
		await assertNotReloaded();
	});

	e2e('the DNS page shows a new record without a reload, and the report after Sync now', async () => {
		await open('/dns');
		const table = () => p().getByRole('table', { name: /^DNS records/ });
		const row = (fqdn) => table().getByRole('row').filter({ has: p().getByRole('rowheader', { name: fqdn, exact: true }) });
		const state = async (fqdn) => text(row(fqdn).locator('td[data-label="State"] .badge'));
		await p().getByText('Managed', { exact: true }).waitFor();
		await eventually(async () => assert.equal(await state('one.example.com'), 'Synced'));
		await mark();

		await apiOK('POST', '/api/proxies', proxy('two.example.com'));
		await row('two.example.com').waitFor();
		await eventually(async () => assert.equal(await state('two.example.com'), 'Synced'));
		const atProvider = await stack.cf('GET', `/zones/${stack.zoneIds.get(zoneName)}/dns_records?name=two.example.com`);
		assert.equal(atProvider.length, 1, 'the record is at the provider');
		await p().locator('#dns-last-sync').getByText(/1 created/).waitFor();

		await p().getByRole('button', { name: 'Sync now' }).click();
		const report = p().getByRole('region', { name: 'Sync report' });
		await report.waitFor();
		assert.match(await text(report), /Sync done: 0 created, 0 updated, 0 deleted, 2 in sync, 0 conflicts, 0 errors/);
		await assertNotReloaded();
	});

	e2e('the dashboard shows managed DNS, the last sync and the states, and a refused sync as it happens', async () => {
		await open('/');
		await eventually(async () => assert.equal(await text(dnsCard().locator('[data-mode]')), 'Managed'));
		assert.match(await text(dnsCard()), /One record per name at Cloudflare, zone example\.com\./);
		assert.match(await text(dnsCard().locator('[data-fact="last-sync"]')), /0 created, 0 updated, 0 deleted, 2 in sync/);
		assert.equal(await tileValue('records'), '2');
		assert.match(await text(tile('records')), /2 synced/);
		assert.equal(await tileValue('proxies'), '2');
		assert.match(await text(check('dns')), /DNS provider \(Cloudflare\) Reachable/);
		// The two certificates failed: both count as expiring soon, with the CA's error.
		assert.equal(await tileValue('certificates'), '2');
		assert.match(await text(check('acme')), /Error/);
		await nextSteps().getByRole('link', { name: 'Add an app' }).waitFor();
		assert.equal(await nextSteps().getByRole('link', { name: 'Set your domain in Settings' }).count(), 0);
		await mark();

		// The provider refuses the token now: the sync fails, and says so here.
		const gate = /** @type {NonNullable<typeof stack.gate>} */ (stack.gate);
		gate.state.open = false;
		assert.equal((await api('POST', '/api/dns/sync')).status, 502);
		await eventually(async () => assert.match(await text(check('dns')), /Error.*Authentication error/i));
		gate.state.open = true;
		await apiOK('POST', '/api/dns/sync');
		await eventually(async () => assert.match(await text(check('dns')), /Reachable/));
		await recent().getByRole('link', { name: 'DNS synced' }).first().waitFor();
		await assertNotReloaded();
	});

	e2e('after a restart the pages reconnect and refetch what they missed', async () => {
		const { token } = await apiOK('POST', '/api/tokens', { name: 'restart test' });
		const other = await stack.p().context().newPage();
		try {
			await other.goto('/proxies');
			await other.getByRole('heading', { name: 'Proxies', level: 1 }).waitFor();
			await other.locator('tbody tr').filter({ hasText: 'two.example.com' }).waitFor();
			await liveStatus().getByText('Live', { exact: true }).waitFor();
			// The Proxies page has no indicator: its stream is open once a change shows.
			const [two] = (await apiOK('GET', '/api/proxies')).filter((/** @type {any} */ x) => x.domain === 'two.example.com');
			await apiOK('PUT', `/api/proxies/${two.id}`, { ...proxy('two.example.com'), forward_port: 3001 });
			await other.locator('tbody tr').filter({ hasText: 'two.example.com' }).getByText('http://127.0.0.1:3001').waitFor();
			// No certificate attempts after the restart: their events would refetch too.
			await apiOK('PUT', '/api/settings', { acme_enabled: false });
			await mark();
			await mark(other);

			// The streams stay refused until the restarted server's own start-up
			// events (a sync, the certificate plan) are over: only the
			// reconnection itself can then make the pages refetch.
			const events = '**/api/events';
			await p().context().route(events, (route) => route.abort());
			await stack.restart(async () => {
				await liveStatus().getByText('Reconnecting…', { exact: true }).waitFor();
				// A change the pages cannot hear of: made through another server on the
				// same data folder while theirs is down.
				const meanwhile = await startDockerWatcher(stack.binary, stack.dataDir, stack.env);
				try {
					const res = await fetch(meanwhile.baseURL + '/api/proxies', {
						method: 'POST',
						headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
						body: JSON.stringify(proxy('three.example.com'))
					});
					assert.equal(res.status, 201, await res.text());
				} finally {
					await stopProcess(meanwhile.server.child);
				}
			});
			await new Promise((r) => setTimeout(r, 3000));
			assert.equal(await tileValue('proxies'), '2', 'the dashboard refetched before it reconnected');
			await p().context().unroute(events);

			await liveStatus().getByText('Live', { exact: true }).waitFor({ timeout: 45_000 });
			await eventually(async () => assert.equal(await tileValue('proxies'), '3'), 20_000);
			await other.locator('tbody tr').filter({ hasText: 'three.example.com' }).waitFor({ timeout: 45_000 });
			await assertNotReloaded();
			await assertNotReloaded(other);
		} finally {
			await other.close();
		}
	});

	e2e('the pages threw no errors', () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
