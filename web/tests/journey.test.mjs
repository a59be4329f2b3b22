// The acceptance walk of the web UI (issue 12) as one browser test: a new
// user's path in the real UI, against the real binary, a real Docker
// Engine and the local registry (make test-e2e runs the specs under
// scripts/with-docker.sh), the Cloudflare API emulator answering DNS for
// its zone, and Pebble (Let's Encrypt's ACME test CA), in Debian's
// chromium driven by playwright-core.
//
// Log in; Pebble as the CA, the domain and the public IP, Cloudflare with
// the zone selector and the Test button (settings cards); an app of a
// local registry image made in /apps/new, a tag deployed from its page
// with its steps shown; the instance running live, answering over HTTPS
// (Pebble's certificate, trusted by chromium and nothing else) and its
// record synced on /dns without a reload; a new digest of the tag pushed
// (the push webhook, as a registry or CI calls it) and redeployed live; a
// rollback; a standalone proxy with its record on /proxies and /dns; Sync
// now and its report; a record deleted from /dns; the instance stopped;
// wildcard mode, the owned records removed at the emulator and still
// listed; the same pages at a phone width. Records the user made at
// Cloudflare before all this are as they were at the end.
//
// Each step is a test of its own, sharing the state of the walk: a
// failure names the step, and leaves a screenshot and the logs in
// test-results/.
//
//   make test-e2e                          (runs this file with the others)
//   DW_BINARY=$PWD/../bin/docker-watcher ../scripts/with-docker.sh node --test tests/journey.test.mjs
//
// The docker-watcher binary must have been built after `npm run build`,
// since it embeds web/build.

import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
	assertNotReloaded,
	browserJSON,
	browserStack,
	cfClient,
	commonName,
	detail as detailOf,
	eventually,
	markPage,
	notedTexts,
	noteTexts,
	pushImage,
	screenshotOnFailure,
	startHttpsServices,
	startTarget,
	visit
} from './helpers.mjs';
import { removeContainers } from './deploy.mjs';

const domain = 'example.com';
const token = 'cf-' + randomBytes(24).toString('hex');
// The registry is shared with the other suites: a repository of our own.
const repo = `dwtest/journey-${Date.now()}-${randomBytes(3).toString('hex')}`;
/** What the test server answers as its version: the first image of v1, and the one pushed over it. */
const versions = { first: 'journey-1-' + randomBytes(6).toString('hex'), second: 'journey-2-' + randomBytes(6).toString('hex') };
const fqdn = `web-v1.${domain}`;
const proxyDomain = `shop.${domain}`;
const publicIPv4 = '127.0.0.1';

const shared = {
	/** @type {import('./helpers.mjs').PebbleInfo | undefined} */
	pebble: undefined,
	testenv: '',
	cfBaseURL: '',
	zoneId: '',
	/** The pushed repository, as the app's image. */
	image: '',
	/** The digests of v1: the first push, and the second. */
	digests: { first: '', second: '' },
	/** The records the user made at Cloudflare before Docker Watcher ran, as the emulator answered. */
	foreign: /** @type {any[]} */ ([]),
	/** The standalone proxy's target. */
	targetPort: 0,
	appId: 0,
	instanceId: 0,
	/** The push webhook's secret, generated on the app page. */
	secret: '',
	/** Containers the deploys made, removed at the end whatever happens. */
	containers: /** @type {Set<string>} */ (new Set())
};

const cf = cfClient(() => shared.cfBaseURL, token);

const stack = browserStack({
	name: 'journey',
	async services(s, defer) {
		const https = await startHttpsServices(s, defer, { name: 'journey', token, zones: [domain], domain });
		Object.assign(shared, {
			pebble: https.pebble,
			testenv: https.testenv,
			cfBaseURL: https.cf.baseURL,
			zoneId: https.cf.zoneIds.get(domain)
		});
		// The user's own records, there before Docker Watcher: its mail.
		shared.foreign = [
			await cf('POST', `/zones/${shared.zoneId}/dns_records`, { type: 'MX', name: domain, content: `mail.${domain}`, priority: 10, ttl: 3600 }),
			await cf('POST', `/zones/${shared.zoneId}/dns_records`, { type: 'A', name: `mail.${domain}`, content: '192.0.2.25', ttl: 3600, proxied: false })
		];
		const { ref, digest } = await pushImage(https.testenv, { repo, tag: 'v1', version: versions.first });
		shared.image = ref.slice(0, ref.lastIndexOf(':'));
		shared.digests.first = digest;
		const target = await startTarget();
		defer(() => target.close());
		shared.targetPort = target.port;
		defer(() => removeContainers(shared.containers));
		return https.started;
	}
});
const { p, api, apiOK, answerOf, toast, saveCard } = stack;
const e2e = screenshotOnFailure(() => stack.page, stack.logs);

/** A second tab on /dns, opened before the deploy: it must follow by itself. */
let dnsTab = /** @type {import('playwright-core').Page | undefined} */ (undefined);
const d = () => /** @type {import('playwright-core').Page} */ (dnsTab);

const httpsURL = (name) => `https://${name}:${stack.tlsPort}/`;
const shortDigest = (digest) => digest.slice(0, 'sha256:'.length + 12);
const text = async (locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
const nav = (name) => p().getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
const settingsForm = (name) => p().getByRole('form', { name });
const field = (form, label) => form.getByLabel(label, { exact: true });

// The app page.
const deployForm = () => p().getByRole('form', { name: 'Deploy a tag' });
const appInstanceRow = () => p().getByRole('region', { name: 'Instances' }).locator('tbody tr').filter({ hasText: 'web-v1' });
const cell = (row, label) => row.locator(`[data-label="${label}"]`);
/** The label of the app page's deploy step under way. */
const CURRENT_STEP = '.deploy-steps li[aria-current="step"] .label';

// The instance page.
const detail = (term) => detailOf(p(), term);
const headerStatus = () => p().locator('.page-header .lead .badge');
const action = (name) => p().getByRole('button', { name: `${name} ${fqdn}`, exact: true });
/** The step under way of the instance page's "Deploy under way". */
const INSTANCE_STEP = `ol[aria-label="Steps of the deploy of ${fqdn}"] li[aria-current="step"]`;

// The DNS page (in either tab).
const recordRow = (page, name) =>
	page.getByRole('table', { name: /^DNS records/ }).getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
const recordState = async (page, name) => text(recordRow(page, name).locator('td[data-label="State"] .badge'));

// The Proxies page.
const proxyRow = () => p().getByRole('row').filter({ has: p().getByText(proxyDomain, { exact: true }) });

/** The records of the zone at the emulator, or those of one name. */
const cfRecords = (name) => cf('GET', `/zones/${shared.zoneId}/dns_records?per_page=500${name ? `&name=${encodeURIComponent(name)}` : ''}`);

/** The test server's answer over HTTPS in chromium, once it is `version`. */
async function answersOverHttps(version, timeoutMs = 30_000) {
	const browser = /** @type {import('playwright-core').Browser} */ (stack.browser);
	return browserJSON(browser, httpsURL(fqdn), (body) => assert.deepEqual([body.tag, body.version], ['v1', version]), timeoutMs);
}

/** Note the instance's container, for the safety net. */
async function noteContainer() {
	const inst = await apiOK('GET', `/api/instances/${shared.instanceId}`);
	if (inst.container_id) shared.containers.add(inst.container_id);
	return inst;
}

describe('A new user\'s path through the UI (issue 12\'s acceptance)', { concurrency: false }, () => {
	before(() => stack.start(), { timeout: 600_000 });
	after(async () => {
		if (shared.instanceId) await api('DELETE', `/api/instances/${shared.instanceId}`).catch(() => {});
		await stack.stop();
	}, { timeout: 120_000 });

	e2e('1. log in; Pebble as the CA in the Certificates card, then the domain and public IP in the General card', async () => {
		const pebble = /** @type {import('./helpers.mjs').PebbleInfo} */ (shared.pebble);
		await stack.logIn('/settings');
		const certs = settingsForm('Certificate settings');
		await eventually(async () => assert.equal(await certs.getByRole('button', { name: 'Save', exact: true }).isEnabled(), true));
		// Before any domain, so that no order ever goes to Let's Encrypt.
		await field(certs, 'Contact email').fill(`ops@${domain}`);
		await field(certs, 'ACME directory URL').fill(pebble.directory_url);
		await certs.getByText('Another ACME CA').waitFor();
		await saveCard(certs, 'Certificate settings saved.');

		const general = settingsForm('General settings');
		await field(general, 'Domain').fill(domain);
		await field(general, 'Public IPv4').fill(publicIPv4);
		const res = await saveCard(general, 'Settings saved.');
		assert.deepEqual(res.request().postDataJSON(), { domain, public_ipv4: publicIPv4, public_ipv6: '' });
		const settings = await apiOK('GET', '/api/settings');
		assert.deepEqual(
			[settings.acme_directory_url, settings.acme_enabled, settings.domain, settings.public_ipv4, settings.wildcard_dns],
			[pebble.directory_url, true, domain, publicIPv4, true]
		);
	});

	e2e('2. the DNS card: managed records at Cloudflare, the zone from the selector, the Test button passes', async () => {
		const form = settingsForm('DNS settings');
		await form.getByRole('radio', { name: 'Managed records at a DNS provider' }).check();
		await field(form, 'DNS provider').selectOption('cloudflare');
		await field(form, 'Cloudflare API token').fill(token);
		await saveCard(form, 'DNS settings saved.');

		const zones = await answerOf(() => form.getByRole('button', { name: /^(Load zones|Reload zones)$/ }).click(), 'GET', '/api/dns/zones');
		assert.equal(zones.status(), 200, await zones.text());
		const zoneSelect = field(form, 'Zone');
		await eventually(async () => assert.ok((await zoneSelect.locator('option').allTextContents()).some((o) => o.trim() === domain)));
		await zoneSelect.selectOption({ label: domain });
		await saveCard(form, 'DNS settings saved.');

		const test = await answerOf(() => form.getByRole('button', { name: 'Test connection', exact: true }).click(), 'POST', '/api/dns/test');
		assert.equal(test.status(), 200, await test.text());
		const body = await test.json();
		assert.equal(body.ok, true, JSON.stringify(body));
		const result = p().getByRole('status', { name: 'Connection test result' });
		await result.getByText(new RegExp(`all ${body.checks.length} checks passed`)).waitFor();
		const items = (await result.getByRole('listitem').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
		assert.equal(items.length, body.checks.length);
		assert.ok(items.every((t) => t.includes('Passed:')), items.join(' | '));

		const settings = await apiOK('GET', '/api/settings');
		assert.deepEqual(
			[settings.wildcard_dns, settings.dns_provider, settings.cloudflare_zone_id, settings.cloudflare_zone_name, settings.cloudflare_api_token_set],
			[false, 'cloudflare', shared.zoneId, domain, true]
		);
	});

	e2e('3. an app of the local registry image made in /apps/new, deployed by pushes; its webhook gets a secret', async () => {
		await nav('Apps').click();
		await p().waitForURL((u) => u.pathname === '/apps');
		await p().getByText('No apps yet.').waitFor();
		await p().locator('.page-header').getByRole('link', { name: 'Add app' }).click();
		await p().waitForURL((u) => u.pathname === '/apps/new');
		const form = p().getByRole('form', { name: 'Add app' });
		await field(form, 'Name').fill('web');
		await field(form, 'Image repository').fill(shared.image);
		await field(form, 'Tag pattern').fill('v\\d+');
		await field(form, 'Container port').fill('8080');
		await field(form, 'Deploy new tags and digests from the registry').check();
		await field(form, 'Poll interval (seconds)').fill('0');
		await field(form, 'Health path').fill('/healthz');
		const res = await answerOf(() => form.getByRole('button', { name: 'Add app', exact: true }).click(), 'POST', '/api/apps');
		assert.equal(res.status(), 201, await res.text());
		const app = await res.json();
		shared.appId = app.id;
		assert.deepEqual([app.image, app.tag_pattern, app.auto_deploy, app.poll_interval_seconds, app.health_path], [shared.image, 'v\\d+', true, 0, '/healthz']);
		await p().waitForURL((u) => u.pathname === `/apps/${app.id}`);
		await toast('App web added.').waitFor();
		await p().getByRole('heading', { level: 1, name: 'web' }).waitFor();

		// The secret a registry or CI signs its pushes with.
		const hook = p().getByRole('region', { name: 'Push webhook' });
		const saved = await answerOf(() => hook.getByRole('button', { name: 'Generate a secret' }).click(), 'PUT', '/api/settings');
		assert.equal(saved.status(), 200, await saved.text());
		shared.secret = saved.request().postDataJSON().registry_webhook_secret;
		assert.match(shared.secret, /^[A-Za-z0-9_-]{43}$/);
		assert.equal(await hook.getByLabel('New webhook secret').inputValue(), shared.secret);
	});

	e2e('4. v1 deployed from the app page: the registry offers it, its steps show one after another, it runs, live', async () => {
		// The DNS page in a second tab, before the deploy: it must show the record by itself.
		dnsTab = await p().context().newPage();
		dnsTab.on('pageerror', (err) => stack.pageErrors.push(err));
		await d().goto('/dns');
		await d().getByText('No records yet.').or(d().getByRole('table', { name: /^DNS records/ })).waitFor();
		await markPage(d());

		const form = deployForm();
		await form.getByText('1 tag matches v\\d+, newest v1: pick one or type a tag.').waitFor();
		await markPage(p());
		await noteTexts(p(), CURRENT_STEP);
		await field(form, 'Tag').fill('v1');
		const res = await answerOf(() => form.getByRole('button', { name: 'Deploy', exact: true }).click(), 'POST', `/api/apps/${shared.appId}/deploy`);
		assert.equal(res.status(), 202, await res.text());
		const inst = await res.json();
		shared.instanceId = inst.id;
		assert.deepEqual([inst.fqdn, inst.status], [fqdn, 'deploying']);

		const steps = p().locator('.deploy-steps');
		await steps.getByRole('heading', { name: /Deploying web:v1/ }).waitFor();
		await eventually(async () => {
			const now = await noteContainer();
			assert.notEqual(now.status, 'failed', now.last_error);
			assert.equal(await text(steps.getByRole('heading')), 'Deploying web:v1 running');
		}, 120_000);
		const states = await steps.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-state')));
		assert.deepEqual(states, ['done', 'done', 'done', 'done', 'done']);
		// The steps the page showed under way, in their order.
		const order = ['Pull the image', 'Create the container', 'Start it', 'Wait until it is healthy', 'Route its name to it'];
		const seen = await notedTexts(p(), CURRENT_STEP);
		const indexes = seen.map((s) => order.indexOf(s));
		assert.ok(seen.length >= 2, `fewer than two steps were shown under way: ${seen.join(', ')}`);
		assert.ok(indexes.every((i, k) => i >= 0 && (k === 0 || i > indexes[k - 1])), `steps out of order: ${seen.join(', ')}`);

		// The app's list of instances shows it running, with its digest.
		const row = appInstanceRow();
		await eventually(async () => assert.equal(await text(cell(row, 'Status').locator('.badge')), 'running'));
		assert.equal(await text(cell(row, 'Digest')), shortDigest(shared.digests.first));
		await toast(`web:v1 is running at `).waitFor();
		await assertNotReloaded(p());
	});

	e2e("5. its URL answers over HTTPS through the built-in proxy, with Pebble's certificate; the page links to it", async () => {
		const pebble = /** @type {import('./helpers.mjs').PebbleInfo} */ (shared.pebble);
		// The wildcard certificate comes through DNS-01 at the emulator, from the DNS card's save on.
		const answer = await answersOverHttps(versions.first, 120_000);
		assert.equal(answer.url, httpsURL(fqdn));
		assert.equal(answer.security?.issuer, commonName(pebble.issuer_intermediate_pem));
		// Once the certificate exists, the instance's address is its HTTPS URL, on the page as it is.
		await eventually(async () => assert.equal(await cell(appInstanceRow(), 'Address').getByRole('link').getAttribute('href'), httpsURL(fqdn)), 20_000);
		await assertNotReloaded(p());
	});

	e2e('6. its record appears on /dns as Synced without a reload, and is at the emulator', async () => {
		const row = recordRow(d(), fqdn);
		await eventually(async () => assert.equal(await recordState(d(), fqdn), 'Synced'), 30_000);
		assert.equal(await text(row.locator('td[data-label="Type"]')), 'A');
		assert.equal(await text(row.locator('td[data-label="Content"]')), publicIPv4);
		assert.match(await text(row.locator('td[data-label="Consumer"]')), /^Instance/);
		await assertNotReloaded(d());
		const records = await cfRecords(fqdn);
		assert.deepEqual(records.map((r) => [r.type, r.content]), [['A', publicIPv4]]);
	});

	e2e('7. a new digest of v1 pushed and announced by the webhook: the instance page shows the redeploy live, the URL the new version', async () => {
		await appInstanceRow().getByRole('link', { name: 'web-v1', exact: true }).click();
		await p().waitForURL((u) => u.pathname === `/instances/${shared.instanceId}`);
		await p().getByRole('heading', { name: fqdn, level: 1 }).waitFor();
		await eventually(async () => assert.equal(await text(detail('Digest')), shared.digests.first));
		await markPage(p());
		await noteTexts(p(), INSTANCE_STEP);

		const pushed = await pushImage(shared.testenv, { repo, tag: 'v1', version: versions.second });
		shared.digests.second = pushed.digest;
		assert.notEqual(shared.digests.second, shared.digests.first);
		// What the registry (or CI) sends on the push, with the secret of the app page.
		const hook = await fetch(`${stack.baseURL}/api/hooks/registry`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${shared.secret}` },
			body: JSON.stringify({ app: 'web', tag: 'v1' })
		});
		assert.equal(hook.status, 202);
		assert.deepEqual(await hook.json(), { triggered: [{ app_id: shared.appId, tag: 'v1' }] });

		await eventually(async () => {
			await noteContainer();
			assert.equal(await text(detail('Digest')), shared.digests.second);
		}, 120_000);
		assert.equal(await text(detail('Previous digest')), shared.digests.first);
		await eventually(async () => assert.equal(await text(headerStatus()), 'running'));
		// The steps of the rollout the page showed under way, in their order.
		const order = ['Pulling', 'Creating the container', 'Starting the container', 'Waiting for health', 'Routing to the new container', 'Draining the old container'];
		const seen = await notedTexts(p(), INSTANCE_STEP);
		const indexes = seen.map((s) => order.findIndex((o) => s.startsWith(o)));
		assert.ok(seen.length >= 1, 'the redeploy showed no step under way');
		assert.ok(indexes.every((i, k) => i >= 0 && (k === 0 || i > indexes[k - 1])), `steps out of order: ${seen.join(', ')}`);
		await assertNotReloaded(p());
		await answersOverHttps(versions.second);
		await noteContainer();
	});

	e2e('8. rollback from the instance page: the old digest serves again', async () => {
		const res = await answerOf(() => action('Rollback').click(), 'POST', `/api/instances/${shared.instanceId}/rollback`);
		// Accepted: the rollout goes on in the background, the page follows it.
		assert.equal(res.status(), 202, await res.text());
		await toast(`${fqdn} is being rolled back.`).waitFor();
		await eventually(async () => {
			await noteContainer();
			assert.equal(await text(detail('Digest')), shared.digests.first);
		}, 120_000);
		await eventually(async () => assert.equal(await text(headerStatus()), 'running'), 30_000);
		assert.match(await text(detail('Not deployed again')), new RegExp(`^${shared.digests.second}`));
		await assertNotReloaded(p());
		await answersOverHttps(versions.first);
		await noteContainer();
	});

	e2e('9. a standalone proxy: routed, its record Synced on /proxies and on /dns, served over HTTPS', async () => {
		await nav('Proxies').click();
		await p().waitForURL((u) => u.pathname === '/proxies');
		const form = p().getByRole('form', { name: 'Add proxy' });
		await field(form, 'Domain').fill(proxyDomain);
		await field(form, 'Forward host').fill('127.0.0.1');
		await field(form, 'Forward port').fill(String(shared.targetPort));
		const res = await answerOf(() => form.getByRole('button', { name: 'Add proxy', exact: true }).click(), 'POST', '/api/proxies');
		assert.equal(res.status(), 201, await res.text());
		await toast(`Proxy ${proxyDomain} created.`).waitFor();
		await cell(proxyRow(), 'Route').locator('.badge', { hasText: 'Active' }).waitFor();
		await eventually(async () => assert.equal(await text(cell(proxyRow(), 'DNS')), 'Synced'), 30_000);

		await eventually(async () => assert.equal(await recordState(d(), proxyDomain), 'Synced'), 30_000);
		assert.match(await text(recordRow(d(), proxyDomain).locator('td[data-label="Consumer"]')), /^Proxy/);
		await assertNotReloaded(d());
		assert.deepEqual((await cfRecords(proxyDomain)).map((r) => [r.type, r.content]), [['A', publicIPv4]]);

		// The wildcard certificate serves it too.
		const browser = /** @type {import('playwright-core').Browser} */ (stack.browser);
		await eventually(async () => {
			const { page, context, response, error } = await visit(browser, httpsURL(proxyDomain));
			try {
				assert.equal(error, null, String(error));
				assert.equal(response?.status(), 200);
				assert.match(await page.locator('body').innerText(), new RegExp(`hello from the target, host ${proxyDomain}`));
			} finally {
				await context.close();
			}
		}, 30_000);
	});

	e2e('10. Sync now on /dns: a record changed at Cloudflare by hand is put back, and the report says so', async () => {
		const [changed] = await cfRecords(proxyDomain);
		await cf('PATCH', `/zones/${shared.zoneId}/dns_records/${changed.id}`, { content: '192.0.2.99' });
		await nav('DNS').click();
		await p().waitForURL((u) => u.pathname === '/dns');
		await recordRow(p(), fqdn).waitFor();

		const res = await answerOf(() => p().getByRole('button', { name: 'Sync now', exact: true }).click(), 'POST', '/api/dns/sync');
		assert.equal(res.status(), 200, await res.text());
		const report = await res.json();
		assert.deepEqual(
			[report.dry_run, report.created, report.updated, report.deleted, report.already_synced, report.conflicts, report.errors],
			[false, 0, 1, 0, 1, 0, 0],
			JSON.stringify(report)
		);
		await toast(`Sync done: 0 created, 1 updated, 0 deleted, 1 in sync, 0 conflicts, 0 errors — ${report.api_calls} API call`).waitFor();

		const panel = p().getByRole('region', { name: 'Sync report' });
		const counts = async (label) => text(panel.locator('.count').filter({ has: p().getByText(label, { exact: true }) }).locator('dd'));
		assert.deepEqual([await counts('Created'), await counts('Updated'), await counts('In sync'), await counts('Conflicts')], ['0', '1', '1', '0']);
		const line = panel.getByRole('listitem').filter({ hasText: proxyDomain });
		await line.getByText('Updated', { exact: true }).waitFor();
		assert.match(await text(line), new RegExp(`${proxyDomain} A ${publicIPv4}`));
		assert.equal(await panel.locator('.lines').first().getByRole('listitem').count(), 1);
		await panel.getByText('1 record already in sync').click();
		await panel.locator('details.in-sync').getByText(fqdn, { exact: true }).waitFor();

		assert.deepEqual((await cfRecords(proxyDomain)).map((r) => [r.id, r.content]), [[changed.id, publicIPv4]]);
	});

	e2e('11. delete the record of the proxy from /dns: gone at the emulator, the rest as it was', async () => {
		await p().getByRole('button', { name: `Delete the records of ${proxyDomain}`, exact: true }).click();
		const dialog = p().getByRole('alertdialog');
		await dialog.getByText(/gets its record back at the next sync/).waitFor();
		const res = await answerOf(
			() => dialog.getByRole('button', { name: 'Delete', exact: true }).click(),
			'DELETE',
			`/api/dns/records/${proxyDomain}`
		);
		assert.equal(res.status(), 200, await res.text());
		assert.deepEqual((await res.json()).deleted, [{ fqdn: proxyDomain, type: 'A' }]);
		await toast(`Deleted the A record of ${proxyDomain}.`).waitFor();
		await eventually(async () => {
			assert.equal(await p().getByRole('button', { name: `Delete the records of ${proxyDomain}`, exact: true }).count(), 0);
			assert.notEqual(await recordState(p(), proxyDomain), 'Synced');
		});
		assert.deepEqual(await cfRecords(proxyDomain), [], 'the record is still at the emulator');
		assert.equal((await cfRecords(fqdn)).length, 1, "the instance's record stays");
	});

	e2e('12. stop the instance: its status, route and record change live, its URL says it is stopped', async () => {
		await nav('Instances').click();
		await p().getByRole('link', { name: `Details of ${fqdn}`, exact: true }).click();
		await p().waitForURL((u) => u.pathname === `/instances/${shared.instanceId}`);
		await eventually(async () => assert.equal(await text(headerStatus()), 'running'));
		await markPage(p());
		const res = await answerOf(() => action('Stop').click(), 'POST', `/api/instances/${shared.instanceId}/stop`);
		assert.equal(res.status(), 200, await res.text());
		await toast(`${fqdn} stopped.`).waitFor();
		await eventually(async () => assert.equal(await text(headerStatus()), 'stopped'));
		await eventually(async () => assert.equal(await text(detail('Route').locator('.badge').first()), 'Stopped'));
		// Stopped within its grace period, the instance keeps its record.
		await eventually(async () => assert.match(await text(detail('DNS record')), new RegExp(`A ${fqdn.replace(/\./g, '\\.')} → ${publicIPv4} Grace period`)));
		await action('Start').waitFor();
		await assertNotReloaded(p());

		const browser = /** @type {import('playwright-core').Browser} */ (stack.browser);
		const { response, context, error } = await visit(browser, httpsURL(fqdn));
		await context.close();
		assert.equal(error, null, String(error));
		assert.equal(response?.status(), 503);
	});

	e2e('13. wildcard mode in the settings: the owned records removed at the emulator, still listed on /dns as Wildcard', async () => {
		await nav('Settings').click();
		const form = settingsForm('DNS settings');
		await eventually(async () => assert.equal(await form.getByRole('button', { name: 'Save', exact: true }).isEnabled(), true));
		await form.getByRole('radio', { name: 'Wildcard DNS' }).check();
		await saveCard(form, 'DNS settings saved.');
		assert.equal((await apiOK('GET', '/api/settings')).wildcard_dns, true);

		// At the emulator only the user's own records are left.
		const foreignIds = shared.foreign.map((r) => r.id).sort();
		await eventually(async () => assert.deepEqual((await cfRecords()).map((r) => r.id).sort(), foreignIds), 30_000);
		// The tab on /dns followed: both names listed, covered by the wildcard.
		await eventually(async () => {
			assert.equal(await recordState(d(), fqdn), 'Wildcard');
			assert.equal(await recordState(d(), proxyDomain), 'Wildcard');
		}, 20_000);
		await d().getByText('Wildcard mode: nothing is written to a provider').waitFor();
		await assertNotReloaded(d());
	});

	e2e('14. at a phone width every page has the navigation as a menu, nothing wider than the screen, its content in view', async () => {
		await dnsTab?.close();
		const page = p();
		await page.setViewportSize({ width: 390, height: 844 });
		try {
			const pages = [
				{ path: '/', heading: 'Dashboard', content: () => page.getByRole('list', { name: 'Counts' }) },
				{ path: '/apps', heading: 'Apps', content: () => page.getByRole('link', { name: 'web', exact: true }) },
				{ path: `/apps/${shared.appId}`, heading: 'web', content: () => appInstanceRow() },
				{ path: `/instances/${shared.instanceId}`, heading: fqdn, content: () => detail('Digest') },
				{ path: '/dns', heading: 'DNS', content: () => recordRow(page, fqdn) },
				{ path: '/proxies', heading: 'Proxies', content: () => proxyRow() },
				{ path: '/settings', heading: 'Settings', content: () => settingsForm('DNS settings') }
			];
			const menu = page.getByRole('button', { name: 'Menu', exact: true });
			const mainNav = page.getByRole('navigation', { name: 'Main' });
			for (const { path, heading, content } of pages) {
				await page.goto(path);
				await page.getByRole('heading', { name: heading, level: 1, exact: true }).waitFor();
				await content().first().waitFor();
				const box = await content().first().boundingBox();
				assert.ok(box && box.x >= 0 && box.x + box.width <= 390 + 1, `${path}: its content is outside the screen: ${JSON.stringify(box)}`);
				assert.equal(await menu.isVisible(), true, `${path}: no menu button`);
				assert.equal(await menu.getAttribute('aria-expanded'), 'false');
				assert.equal(await mainNav.isVisible(), false, `${path}: the navigation is shown beside the page`);
				const widths = await page.evaluate(() => ({ scroll: document.scrollingElement?.scrollWidth ?? 0, inner: window.innerWidth }));
				assert.ok(widths.scroll <= widths.inner, `${path}: the page is ${widths.scroll} px wide on a ${widths.inner} px screen`);
			}
			// The menu opens over the page and leads to the other pages.
			await menu.click();
			await mainNav.getByRole('link', { name: 'Apps', exact: true }).click();
			await page.waitForURL((u) => u.pathname === '/apps');
			await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
			assert.equal(await mainNav.isVisible(), false);
		} finally {
			await page.setViewportSize({ width: 1280, height: 800 });
		}
	});

	e2e("15. the golden rule: the records the user made at Cloudflare are as they were", async () => {
		const now = await cfRecords();
		for (const before of shared.foreign) {
			const after = now.find((r) => r.id === before.id);
			assert.ok(after, `${before.type} ${before.name} is gone`);
			for (const key of ['type', 'name', 'content', 'ttl', 'priority', 'comment', 'modified_on']) {
				assert.deepEqual(after[key], before[key], `${before.type} ${before.name}: ${key}`);
			}
		}
	});

	e2e('16. the pages had no uncaught errors', async () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
