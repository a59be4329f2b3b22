// Browser test of the records Docker Watcher leaves in an earlier zone: the
// DNS page's notice, the rows in state earlier_zone, and Retry removal,
// against the Cloudflare API emulator with two zones and one token.
//
//   npm run test:e2e                       (runs this file with the others)
//   DW_BINARY=/path/to/docker-watcher CF_EMULATOR_BINARY=/path/to/cf-emulator node --test tests/dns-earlier-zone.test.mjs
//
// The server reaches the emulator through the gate of helpers.mjs; while
// the test wants the removal to fail, the gate refuses every call to zone A
// as Cloudflare refuses a token that lost access to a zone.

import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { clickWithProgress, dnsTestStack, eventually, screenshotOnFailure } from './helpers.mjs';

const zoneA = 'example.com';
const zoneB = 'example.net';
const fqdn = 'app.example.com';
const publicIPv4 = '203.0.113.10';

const stack = dnsTestStack({ name: 'dns-earlier-zone', zones: [zoneA, zoneB] });
const { p, cf, apiOK, answerOf } = stack;
/** @type {NonNullable<typeof stack.gate>} set in before */
let gate;
let zoneAId = '';
/** The error the failed removal left, as the API reports it. */
let removalError = '';

const e2e = screenshotOnFailure(() => stack.page, stack.logs);

/** The emulator's records of fqdn in zone A. */
const inZoneA = () => cf('GET', `/zones/${zoneAId}/dns_records?name=${encodeURIComponent(fqdn)}`);

/** Wait until a sync was refused at the gate (more than refusedBefore calls) and no call came for 1.5 s. */
async function syncOver(refusedBefore) {
	await eventually(() => {
		assert.ok(gate.state.refused > refusedBefore, 'a sync tried zone A');
		assert.ok(Date.now() - gate.state.lastCallAt > 1500, 'no sync is running');
	}, 20_000);
}

const notice = () => p().getByRole('region', { name: 'Records left in an earlier zone' });
const retryButton = () => notice().getByRole('button', { name: `Retry removal from ${zoneA}`, exact: true });
const syncButton = () => p().getByRole('button', { name: /^(Sync now|Syncing…)$/ });
const table = () => p().getByRole('table', { name: /^DNS records/ });
const rows = () => table().getByRole('row').filter({ has: p().getByRole('rowheader', { name: fqdn, exact: true }) });
const earlierRow = () => rows().filter({ hasText: 'Left in an earlier zone' });
/** A toast: role status, or alert for an error. */
const toast = (text, role = 'status') => p().locator('.toasts').getByRole(role).filter({ hasText: text });

/** The WCAG contrast ratio of an element's text colour on its background (both opaque rgb). */
function contrastOf(locator) {
	return locator.evaluate((el) => {
		const style = getComputedStyle(el);
		const lum = (/** @type {string} */ css) => {
			const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
				const c = Number(v) / 255;
				return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
			});
			return 0.2126 * r + 0.7152 * g + 0.0722 * b;
		};
		const [hi, lo] = [lum(style.color), lum(style.backgroundColor)].sort((a, b) => b - a);
		return (hi + 0.05) / (lo + 0.05);
	});
}

describe('records left in an earlier zone, with the Cloudflare API emulator', { concurrency: false }, () => {
	before(async () => {
		await stack.start();
		gate = /** @type {NonNullable<typeof stack.gate>} */ (stack.gate);
		gate.state.open = true;
		zoneAId = stack.zoneIds.get(zoneA);
	});

	after(() => stack.stop());

	e2e('log in', async () => {
		await stack.logIn('/dns');
		await p().getByRole('heading', { name: 'DNS', level: 1 }).waitFor();
		assert.equal(await notice().count(), 0, 'no notice without earlier zones');
	});

	e2e('manage zone A and sync the record of a proxy there', async () => {
		await apiOK('PUT', '/api/settings', stack.managedDNS(zoneA, { public_ipv4: publicIPv4 }));
		await apiOK('POST', '/api/proxies', { domain: fqdn, forward_scheme: 'http', forward_host: '127.0.0.1', forward_port: 3000 });
		const report = await apiOK('POST', '/api/dns/sync');
		assert.equal(report.errors, 0, JSON.stringify(report));
		const records = await inZoneA();
		assert.equal(records.length, 1, JSON.stringify(records));
		assert.equal(records[0].content, publicIPv4);
	});

	e2e('switch to zone B while zone A refuses the token: the removal fails', async () => {
		gate.state.refuse = (_method, url) => url.includes(`/zones/${zoneAId}`);
		const refusedBefore = gate.state.refused;
		await apiOK('PUT', '/api/settings', {
			domain: zoneB,
			cloudflare_zone_id: stack.zoneIds.get(zoneB),
			cloudflare_zone_name: zoneB
		});
		await syncOver(refusedBefore);

		const view = await apiOK('GET', '/api/dns/records');
		assert.equal(view.cleanups.length, 1, JSON.stringify(view.cleanups));
		const [c] = view.cleanups;
		assert.equal(c.zone_id, zoneAId);
		assert.equal(c.zone_name, zoneA);
		assert.equal(c.records, 1);
		assert.ok(c.last_error, 'the failed removal says why');
		removalError = c.last_error;
		assert.equal((await inZoneA()).length, 1, 'the record is still in zone A');
	});

	e2e('the DNS page shows the notice above the table and the row left in zone A', async () => {
		await p().reload();
		await notice().waitFor();
		const text = (await notice().textContent()) ?? '';
		assert.match(text, /removes the records it created in a zone you no longer use, with the credentials it had then/);
		await notice().getByText(zoneA, { exact: true }).waitFor();
		await notice().getByText('Cloudflare · 1 record left', { exact: true }).waitFor();
		await notice().getByText(removalError).waitFor();
		assert.equal(await retryButton().isEnabled(), true);
		assert.equal((await retryButton().textContent())?.trim(), 'Retry removal');
		const above = await notice().evaluate(
			(el, t) => !!(el.compareDocumentPosition(/** @type {Node} */ (t)) & Node.DOCUMENT_POSITION_FOLLOWING),
			await table().elementHandle()
		);
		assert.equal(above, true, 'the notice comes before the table');

		// The name is outside zone B now, and left in zone A: two rows.
		await eventually(async () => assert.equal(await rows().count(), 2));
		const badge = earlierRow().locator('td[data-label="State"] .badge');
		assert.equal((await badge.textContent())?.trim(), 'Left in an earlier zone');
		assert.match((await badge.getAttribute('class')) ?? '', /\btone-moved\b/);
		assert.ok((await contrastOf(badge)) >= 4.5, `badge contrast ${await contrastOf(badge)}`);
		await earlierRow().getByText(`Zone ${zoneA}`, { exact: true }).waitFor();
		await earlierRow().locator('.record-error').getByText(removalError).waitFor();
		const other = rows().filter({ hasNotText: 'Left in an earlier zone' });
		assert.equal((await other.locator('td[data-label="State"] .badge').textContent())?.trim(), 'Outside zone');
	});

	e2e('the state filter offers the records left in an earlier zone', async () => {
		const select = p().getByLabel('State', { exact: true });
		assert.deepEqual(
			await select.locator('option[value="earlier_zone"]').allTextContents(),
			['Left in an earlier zone']
		);
		const res = await answerOf(() => select.selectOption('earlier_zone'), 'GET', '/api/dns/records');
		assert.equal(new URL(res.url()).searchParams.get('state'), 'earlier_zone');
		await eventually(async () => assert.equal(await table().getByRole('rowheader').count(), 1));
		assert.equal(await earlierRow().count(), 1);
		assert.equal(await notice().isVisible(), true, 'the filters do not hide the notice');
		await p().getByRole('button', { name: 'Clear filters' }).click();
		await eventually(async () => assert.equal(await rows().count(), 2));
	});

	e2e('Retry removal while zone A still refuses keeps the notice and reports the error', async () => {
		const res = await answerOf(() => retryButton().click(), 'POST', '/api/dns/sync');
		assert.equal(res.status(), 200, await res.text());
		const report = await res.json();
		assert.equal(report.errors, 1, JSON.stringify(report));
		await toast(/Sync done: .* 1 error —/, 'alert').waitFor();
		await notice().getByText(removalError).waitFor();
		assert.equal((await inZoneA()).length, 1);
	});

	e2e('Retry removal once zone A accepts the token removes the record there', async () => {
		gate.state.refuse = null;
		const res = await clickWithProgress(p(), '/api/dns/sync', retryButton, async (button) => {
			assert.equal((await button.textContent())?.trim(), 'Retrying…');
			assert.equal(await button.isDisabled(), true);
			assert.equal(await button.getAttribute('aria-busy'), 'true');
			assert.equal(await syncButton().isDisabled(), true);
		});
		assert.equal(res.status(), 200, await res.text());
		const report = await res.json();
		assert.equal(report.errors, 0, JSON.stringify(report));
		assert.equal(report.deleted, 1, JSON.stringify(report));
		assert.ok(
			report.records.some((/** @type {any} */ l) => l.fqdn === fqdn && l.action === 'delete' && !l.error),
			JSON.stringify(report.records)
		);
		await toast(/Sync done: 0 created, 0 updated, 1 deleted, .* 0 errors —/).waitFor();

		await notice().waitFor({ state: 'detached' });
		await eventually(async () => assert.equal(await rows().count(), 1));
		assert.equal(await earlierRow().count(), 0);
		assert.deepEqual(await inZoneA(), [], 'gone from zone A at the emulator');
		assert.deepEqual((await apiOK('GET', '/api/dns/records')).cleanups, []);
	});

	e2e("switching to wildcard in the settings while zone B refuses: the removal's steps end in Cloudflare's message; the retry that works is told too", async () => {
		const zoneBId = stack.zoneIds.get(zoneB);
		const inZoneB = async () => (await cf('GET', `/zones/${zoneBId}/dns_records?name=app.${zoneB}`)).length;
		await apiOK('POST', '/api/proxies', { domain: `app.${zoneB}`, forward_scheme: 'http', forward_host: '127.0.0.1', forward_port: 3000 });
		const report = await apiOK('POST', '/api/dns/sync');
		assert.equal(report.errors, 0, JSON.stringify(report));
		assert.equal(await inZoneB(), 1);

		gate.state.refuse = (_method, url) => url.includes(`/zones/${zoneBId}`);
		await p().goto('/settings');
		const form = p().getByRole('form', { name: 'DNS settings' });
		await eventually(async () => assert.equal(await form.getByRole('button', { name: 'Save' }).isEnabled(), true));
		await form.getByRole('radio', { name: 'Wildcard DNS' }).check();
		const res = await answerOf(() => form.getByRole('button', { name: 'Save' }).click(), 'PUT', '/api/settings');
		assert.equal(res.status(), 200, await res.text());
		assert.deepEqual((await res.json()).dns_cleanups.map((c) => [c.zone_name, c.records, c.last_error]), [[zoneB, 1, '']]);

		const panel = p().getByRole('region', { name: new RegExp(`^Removing the records of ${zoneB.replace('.', '\\.')}`) });
		await panel.waitFor();
		const failure = toast(`Could not remove the records of ${zoneB}: `, 'alert');
		await failure.waitFor({ timeout: 20_000 });
		const [left] = (await apiOK('GET', '/api/dns/records')).cleanups;
		assert.ok(left?.last_error, 'the failed removal says why');
		const why = left.last_error.slice(1); // the toast makes a sentence of it: its first letter upper case
		assert.ok(((await failure.textContent()) ?? '').includes(why), `the toast shows "${why}"`);
		const steps = panel.getByRole('list', { name: `Steps of the removal from ${zoneB}` });
		assert.deepEqual(await steps.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-state'))), ['done', 'failed', 'todo']);
		await steps.locator('li[data-state="failed"] .detail').getByText(left.last_error).waitFor();
		assert.equal(await panel.locator('.badge').textContent(), 'failed');
		assert.equal(await panel.getByRole('link', { name: 'The DNS page' }).getAttribute('href'), '/dns');
		assert.equal(await inZoneB(), 1, 'the record is still there');

		// The next sync, with zone B open again, removes it; the page still follows.
		gate.state.refuse = null;
		await apiOK('POST', '/api/dns/sync');
		await toast(`Removed the record Docker Watcher created in ${zoneB} at Cloudflare.`).waitFor({ timeout: 20_000 });
		await eventually(async () => assert.equal(await panel.locator('.badge').textContent(), 'removed'));
		assert.equal(await inZoneB(), 0);
	});

	e2e('no uncaught errors in the page', async () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
