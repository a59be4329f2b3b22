// Browser test of the DNS page (records, Sync now, Preview, delete) against
// the Cloudflare API emulator: the real binary with DW_CLOUDFLARE_API_URL
// pointing at cmd/cf-emulator, and Debian's chromium driven by
// playwright-core.
//
//   npm run test:e2e                       (runs this file with the others)
//   DW_BINARY=/path/to/docker-watcher CF_EMULATOR_BINARY=/path/to/cf-emulator npm run test:e2e
//
// Docker Watcher syncs by itself shortly after a proxy is created or the
// DNS settings change. So that the "Sync now" click is the one that writes
// the records (and its report can be checked), the server reaches the
// emulator through a small gate (startGate in helpers.mjs), which refuses
// every call but the zone read of a settings save (as Cloudflare refuses an
// unknown token) until the set-up is done.

import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { clickWithProgress, dnsTestStack, eventually, screenshotOnFailure } from './helpers.mjs';

const zoneName = 'example.com';
const publicIPv4 = '203.0.113.10';
const foreignIPv4 = '192.0.2.9';

const stack = dnsTestStack({ name: 'dns-records', zones: [zoneName] });
/** The token the emulator accepts (with DNS edit permission on every zone). */
const { p, cf, apiOK, answerOf } = stack;
/** @type {NonNullable<typeof stack.gate>} The gate in front of the emulator, set in before. */
let gate;
let zoneId = '';
/** The record made by hand at the emulator, as it answered. */
let foreign;
/** Proxy ids by domain. */
const proxyIds = new Map();

const e2e = screenshotOnFailure(() => stack.page, stack.logs);

/** The emulator's records of one name. */
const cfRecords = (name) => cf('GET', `/zones/${zoneId}/dns_records?name=${encodeURIComponent(name)}`);

const table = () => p().getByRole('table', { name: /^DNS records/ });
const row = (fqdn) => table().getByRole('row').filter({ has: p().getByRole('rowheader', { name: fqdn, exact: true }) });
const syncButton = () => p().getByRole('button', { name: /^(Sync now|Syncing…)$/ });
const previewButton = () => p().getByRole('button', { name: /^(Preview|Previewing…)$/ });
const deleteButton = (fqdn) => p().getByRole('button', { name: `Delete the records of ${fqdn}`, exact: true });
const toast = (text) => p().locator('.toasts').getByRole('status').filter({ hasText: text });

async function stateOf(fqdn) {
	return ((await row(fqdn).locator('td[data-label="State"] .badge').textContent()) ?? '').trim();
}

describe('DNS records page with the Cloudflare API emulator', { concurrency: false }, () => {
	before(async () => {
		await stack.start();
		gate = /** @type {NonNullable<typeof stack.gate>} */ (stack.gate);
		zoneId = stack.zoneIds.get(zoneName);
	});

	after(() => stack.stop());

	e2e('log in', async () => {
		await stack.logIn('/dns');
		// The default is wildcard mode: nothing to sync.
		await p().getByText('Wildcard mode: nothing is written to a provider').waitFor();
		assert.equal(await syncButton().isDisabled(), true);
		assert.equal(await previewButton().isDisabled(), true);
	});

	e2e('set up managed DNS, three proxies and a record made by hand', async () => {
		// Saving a zone reads its name from the provider: only that call passes.
		gate.state.open = true;
		gate.state.refuse = (method, url) => !(method === 'GET' && new URL(url, 'http://gate').pathname.endsWith(`/zones/${zoneId}`));
		await apiOK('PUT', '/api/settings', stack.managedDNS(zoneName, { public_ipv4: publicIPv4 }));

		// Someone made c.example.com by hand: no Docker Watcher marker.
		foreign = await cf('POST', `/zones/${zoneId}/dns_records`, {
			type: 'A',
			name: 'c.example.com',
			content: foreignIPv4,
			ttl: 1,
			proxied: false
		});
		assert.ok(foreign.id);

		const refusedBefore = gate.state.refused;
		for (const domain of ['a.example.com', 'b.example.com', 'c.example.com']) {
			const proxy = await apiOK('POST', '/api/proxies', {
				domain,
				forward_scheme: 'http',
				forward_host: '127.0.0.1',
				forward_port: 3000
			});
			proxyIds.set(domain, proxy.id);
		}

		// The syncs the changes started reached the (closed) gate and are over.
		await eventually(() => {
			assert.ok(gate.state.refused > refusedBefore, 'a sync was started by the changes');
			assert.ok(Date.now() - gate.state.lastCallAt > 1500, 'no sync is running');
		}, 20_000);
		assert.equal((await cfRecords('a.example.com')).length, 0, 'nothing was written yet');
		gate.state.refuse = null;
	});

	e2e('the records list the three names before any sync', async () => {
		await p().reload();
		await p().getByText('Managed', { exact: true }).waitFor();
		await table().waitFor();
		for (const fqdn of ['a.example.com', 'b.example.com', 'c.example.com']) {
			await row(fqdn).waitFor();
			assert.equal(await row(fqdn).locator('td[data-label="Type"]').textContent(), 'A');
			assert.equal((await row(fqdn).locator('td[data-label="Content"]').textContent())?.trim(), publicIPv4);
			const consumer = row(fqdn).locator('td[data-label="Consumer"]');
			assert.match((await consumer.textContent()) ?? '', /Proxy/);
			assert.equal(await consumer.getByRole('link', { name: fqdn }).getAttribute('href'), '/proxies');
		}
		assert.equal(await syncButton().isEnabled(), true);
		assert.equal(await previewButton().isEnabled(), true);
	});

	e2e('Preview shows a dry run and changes nothing', async () => {
		const writes = gate.state.writes;
		const res = await answerOf(() => previewButton().click(), 'GET', '/api/dns/plan');
		assert.equal(res.status(), 200, `GET /api/dns/plan: ${await res.text()}`);
		const plan = await res.json();
		assert.equal(plan.dry_run, true);
		assert.equal(plan.created, 2, JSON.stringify(plan));
		assert.equal(plan.conflicts, 1, JSON.stringify(plan));

		const panel = p().getByRole('region', { name: /^Preview/ });
		await panel.waitFor();
		await panel.getByText('Dry run', { exact: true }).waitFor();
		await panel.getByText('Nothing was changed.').waitFor();
		await panel.getByText(/^Dry run: 2 to create, 0 to update, 0 to delete, 0 in sync, 1 conflict, 0 errors — /).waitFor();
		const lines = panel.getByRole('listitem');
		await lines.filter({ hasText: 'a.example.com' }).getByText('Create', { exact: true }).waitFor();
		await lines.filter({ hasText: 'b.example.com' }).getByText('Create', { exact: true }).waitFor();
		await lines.filter({ hasText: 'c.example.com' }).getByText('Conflict', { exact: true }).waitFor();

		assert.equal(gate.state.writes, writes, 'the dry run made no write call');
		assert.equal((await cfRecords('a.example.com')).length, 0);
		await panel.getByRole('button', { name: 'Close the preview' }).click();
		await panel.waitFor({ state: 'detached' });
	});

	e2e('Sync now creates a and b and reports c as a conflict', async () => {
		const res = await clickWithProgress(p(), '/api/dns/sync', syncButton, async (button) => {
			assert.equal((await button.textContent())?.trim(), 'Syncing…');
			assert.equal(await button.isDisabled(), true);
			assert.equal(await button.getAttribute('aria-busy'), 'true');
			assert.equal(await previewButton().isDisabled(), true);
		});
		assert.equal(res.status(), 200, `POST /api/dns/sync: ${await res.text()}`);
		const report = await res.json();
		assert.equal(report.dry_run, false);
		assert.equal(report.created, 2, JSON.stringify(report));
		assert.equal(report.conflicts, 1, JSON.stringify(report));
		assert.equal(report.errors, 0, JSON.stringify(report));

		const summary = `Sync done: 2 created, 0 updated, 0 deleted, 0 in sync, 1 conflict, 0 errors — ${report.api_calls} API call`;
		await toast(summary).waitFor();

		const panel = p().getByRole('region', { name: 'Sync report' });
		await panel.waitFor();
		const lines = panel.getByRole('listitem');
		assert.equal(await lines.count(), 3);
		await lines.filter({ hasText: 'a.example.com' }).getByText('Created', { exact: true }).waitFor();
		await lines.filter({ hasText: 'b.example.com' }).getByText('Created', { exact: true }).waitFor();
		const conflict = lines.filter({ hasText: 'c.example.com' });
		await conflict.getByText('Conflict', { exact: true }).waitFor();
		const conflictLine = report.records.find((l) => l.fqdn === 'c.example.com');
		assert.ok(conflictLine?.error, 'the conflict says why');
		await conflict.getByText(conflictLine.error).waitFor();

		await eventually(async () => {
			assert.equal(await stateOf('a.example.com'), 'Synced');
			assert.equal(await stateOf('b.example.com'), 'Synced');
			assert.equal(await stateOf('c.example.com'), 'Conflict');
		});
		assert.equal((await row('a.example.com').locator('td[data-label="Last synced"]').textContent())?.trim() !== '—', true);
		await deleteButton('a.example.com').waitFor();
		await deleteButton('b.example.com').waitFor();
		assert.equal(await deleteButton('c.example.com').count(), 0, 'a record not ours cannot be deleted here');

		// The last sync is shown above the table.
		await p().locator('#dns-last-sync').getByText(/2 created, 0 updated, 0 deleted, 0 in sync, 1 conflict, 0 errors/).waitFor();

		// At the emulator: a and b exist, and the record made by hand is as it was.
		for (const fqdn of ['a.example.com', 'b.example.com']) {
			const records = await cfRecords(fqdn);
			assert.equal(records.length, 1, `${fqdn} at the emulator: ${JSON.stringify(records)}`);
			assert.equal(records[0].content, publicIPv4);
		}
		const c = await cfRecords('c.example.com');
		assert.equal(c.length, 1);
		assert.equal(c[0].id, foreign.id);
		assert.equal(c[0].content, foreignIPv4);
		assert.equal(c[0].comment ?? null, foreign.comment ?? null);
		assert.equal(c[0].modified_on, foreign.modified_on);
	});

	e2e('the filters ask the API', async () => {
		const search = p().getByRole('searchbox', { name: 'Search' });
		// (A live refetch may ask the same path meanwhile: the answer wanted is the one with the filter.)
		const res = await answerOf(() => search.fill('b.exa'), 'GET', '/api/dns/records', (u) => u.searchParams.has('q'));
		assert.equal(new URL(res.url()).searchParams.get('q'), 'b.exa');
		await eventually(async () => assert.equal(await table().getByRole('rowheader').count(), 1));
		await row('b.example.com').waitFor();

		await search.fill('');
		const byState = await answerOf(() => p().getByLabel('State', { exact: true }).selectOption('conflict'), 'GET', '/api/dns/records', (u) =>
			u.searchParams.has('state')
		);
		assert.equal(new URL(byState.url()).searchParams.get('state'), 'conflict');
		await eventually(async () => {
			const names = await table().getByRole('rowheader').allTextContents();
			assert.deepEqual(names.map((n) => n.trim()), ['c.example.com']);
		});

		await p().getByLabel('State', { exact: true }).selectOption('wildcard');
		await p().getByText('No records match the filters.').waitFor();
		await p().getByRole('button', { name: 'Clear filters' }).click();
		await eventually(async () => assert.equal(await table().getByRole('rowheader').count(), 3));
	});

	e2e('delete the record of a.example.com', async () => {
		await deleteButton('a.example.com').click();
		const dialog = p().getByRole('alertdialog');
		await dialog.waitFor();
		assert.match((await dialog.textContent()) ?? '', /a\.example\.com/);
		await dialog.getByText(/gets its record back at the next sync/).waitFor();

		const res = await answerOf(() => dialog.getByRole('button', { name: 'Delete', exact: true }).click(), 'DELETE', '/api/dns/records/a.example.com');
		assert.equal(res.status(), 200, `DELETE: ${await res.text()}`);
		assert.deepEqual((await res.json()).deleted, [{ fqdn: 'a.example.com', type: 'A' }]);
		await dialog.waitFor({ state: 'hidden' });
		await toast('Deleted the A record of a.example.com.').waitFor();

		// Still expected (the proxy exists), no longer owned: no delete button, not synced.
		await eventually(async () => {
			assert.equal(await deleteButton('a.example.com').count(), 0);
			assert.notEqual(await stateOf('a.example.com'), 'Synced');
		});
		assert.equal((await cfRecords('a.example.com')).length, 0, 'gone at the emulator');
		assert.equal((await cfRecords('b.example.com')).length, 1, 'b stays');
		assert.equal((await cfRecords('c.example.com'))[0].id, foreign.id, 'the record made by hand stays');
	});

	e2e("a delete that fails shows the API's message in the dialog", async () => {
		await deleteButton('b.example.com').click();
		const dialog = p().getByRole('alertdialog');
		await dialog.waitFor();
		// Meanwhile the record is deleted elsewhere: the API answers 404.
		await apiOK('DELETE', '/api/dns/records/b.example.com');
		const res = await answerOf(() => dialog.getByRole('button', { name: 'Delete', exact: true }).click(), 'DELETE', '/api/dns/records/b.example.com');
		assert.equal(res.status(), 404);
		const body = await res.json();
		await dialog.getByRole('alert').getByText(body.error).waitFor();
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'hidden' });
		await eventually(async () => assert.equal(await deleteButton('b.example.com').count(), 0));
	});

	e2e('the grace period and sync interval are DNS settings', async () => {
		await p().getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
		const form = p().getByRole('form', { name: 'DNS settings' });
		await eventually(async () => assert.equal(await form.getByRole('button', { name: 'Save' }).isEnabled(), true));
		const grace = form.getByLabel('Delete grace period (seconds)');
		const interval = form.getByLabel('Sync interval (seconds)');
		assert.equal(await grace.inputValue(), '600');
		assert.equal(await interval.inputValue(), '86400');

		await grace.fill('700000');
		const bad = await answerOf(() => form.getByRole('button', { name: 'Save' }).click(), 'PUT', '/api/settings');
		assert.equal(bad.status(), 400);
		const body = await bad.json();
		assert.equal(body.field, 'dns_delete_grace_seconds');
		await eventually(async () => assert.equal(await grace.getAttribute('aria-invalid'), 'true'));
		assert.equal((await p().locator('#dns-grace-error').textContent())?.trim(), body.error);
		assert.equal(await grace.evaluate((el) => el === document.activeElement), true);

		await grace.fill('0');
		await interval.fill('3600');
		const ok = await answerOf(() => form.getByRole('button', { name: 'Save' }).click(), 'PUT', '/api/settings');
		assert.equal(ok.status(), 200, await ok.text());
		const sent = ok.request().postDataJSON();
		assert.equal(sent.dns_delete_grace_seconds, 0);
		assert.equal(sent.dns_sync_interval_seconds, 3600);
		await p().getByRole('status').filter({ hasText: 'DNS settings saved.' }).last().waitFor();
		assert.equal(await grace.getAttribute('aria-invalid'), null);
		const stored = await apiOK('GET', '/api/settings');
		assert.equal(stored.dns_delete_grace_seconds, 0);
		assert.equal(stored.dns_sync_interval_seconds, 3600);
	});

	e2e('wildcard mode: the records are covered by the wildcard and Sync is off', async () => {
		await apiOK('PUT', '/api/settings', { wildcard_dns: true });
		await p().goto('/dns');
		await p().getByText('Wildcard mode: nothing is written to a provider').waitFor();
		await p().getByText(`*.${zoneName}`).first().waitFor();
		assert.equal(await syncButton().isDisabled(), true);
		assert.equal(await previewButton().isDisabled(), true);
		assert.equal(await syncButton().getAttribute('aria-describedby'), 'dns-sync-hint');
		await eventually(async () => {
			for (const fqdn of ['a.example.com', 'b.example.com', 'c.example.com']) {
				assert.equal(await stateOf(fqdn), 'Wildcard');
			}
		});
		// The record made by hand is never touched, in any mode.
		assert.equal((await cfRecords('c.example.com'))[0].id, foreign.id);
	});

	e2e('no uncaught errors in the page', async () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
