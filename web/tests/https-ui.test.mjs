// Browser test of HTTPS end to end: the real binary under a real Docker
// Engine and registry (make test-e2e runs the specs under
// scripts/with-docker.sh), the Cloudflare API emulator answering DNS for
// its zone, Pebble (Let's Encrypt's ACME test CA) and Debian's chromium
// driven by playwright-core. The settings are made in the settings page
// (the Certificates card with Pebble's directory, the DNS card with the
// emulator, then the domain), a tag is deployed from the Instances page,
// the Certificates card shows the wildcard pair valid from Pebble's
// issuer, and chromium opens the instance's HTTPS URL trusting Pebble's
// issuer and nothing else.
//
// Pebble and the test image come from internal/testtools/testenv (built
// with `go build` into the test's folder; TESTENV_BINARY names a built
// one): `testenv pebble` starts pebble like the Go tests' pebbletest
// (its own TLS certificate, every challenge checked for real, its VA
// asking the emulator's DNS and connecting to the proxy's HTTP port) and
// prints its URLs and issuer; `testenv image` pushes dockertest's test
// image to DW_TEST_REGISTRY.
//
//   make test-e2e                          (runs this file with the others)
//   DW_BINARY=$PWD/../bin/docker-watcher ../scripts/with-docker.sh node --test tests/https-ui.test.mjs
//
// The docker-watcher binary must have been built after `npm run build`,
// since it embeds web/build.

import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
	browserJSON,
	browserStack,
	commonName,
	eventually,
	launchChromium,
	pushImage,
	resolveToLocalhost,
	recordAttribute,
	screenshotOnFailure,
	startHttpsServices,
	visit
} from './helpers.mjs';
import { engine, removeContainers, testApp } from './deploy.mjs';

const token = 'cf-' + randomBytes(24).toString('hex');
const repo = `dwtest/https-ui-${Date.now()}`;
const version = 'https-ui-' + randomBytes(6).toString('hex');

const shared = {
	/** @type {import('./helpers.mjs').PebbleInfo | undefined} */
	pebble: undefined,
	zoneId: '',
	/** The pushed image, without its tag. */
	image: '',
	/** Containers the deploy made, removed at the end whatever happens. */
	containers: /** @type {Set<string>} */ (new Set()),
	/** The states the issuance panel showed (recordAttribute). */
	issuanceStates: async () => /** @type {string[]} */ ([])
};

const stack = browserStack({
	name: 'https-ui',
	async services(s, defer) {
		// The emulator answering DNS for example.com, Pebble, and chromium
		// trusting Pebble's issuer and nothing else (the last tests check
		// both ways). The one suite with ACME on besides the journey: its
		// CA is Pebble, set before any domain exists.
		const https = await startHttpsServices(s, defer, { name: 'https-ui', token, zones: ['example.com'], domain: 'example.com' });
		Object.assign(shared, { pebble: https.pebble, zoneId: https.cf.zoneIds.get('example.com') });

		const { ref } = await pushImage(https.testenv, { repo, tag: 'v1', version });
		shared.image = ref.slice(0, ref.lastIndexOf(':'));
		defer(() => removeContainers(shared.containers));
		return https.started;
	}
});
const { p, apiOK, answerOf, toast, saveCard } = stack;
const e2e = screenshotOnFailure(() => stack.page, stack.logs);

const settingsForm = (name) => p().getByRole('form', { name });
const certList = () => p().getByRole('region', { name: 'Issued certificates' });
const certRow = (name) =>
	certList()
		.locator('tbody tr')
		.filter({ has: p().locator('td[data-label="Names"] li').getByText(name, { exact: true }) });

/** The instance deployed by the tests. */
const instance = { id: 0, fqdn: '' };
const httpsURL = () => `https://${instance.fqdn}:${stack.tlsPort}/`;

describe('HTTPS with Pebble: the Certificates card and an instance over HTTPS in chromium', { concurrency: false }, () => {
	before(() => stack.start(), { timeout: 600_000 });
	after(() => stack.stop(), { timeout: 120_000 });

	e2e('log in; the Certificates card takes Pebble as the ACME directory', async () => {
		const pebble = /** @type {import('./helpers.mjs').PebbleInfo} */ (shared.pebble);
		await stack.logIn('/settings');
		const form = settingsForm('Certificate settings');
		await eventually(async () => assert.equal(await form.getByRole('button', { name: 'Save', exact: true }).isEnabled(), true));
		// Before any domain, so that no order ever goes to Let's Encrypt.
		await form.getByLabel('Contact email', { exact: true }).fill('ops@example.com');
		await form.getByLabel('ACME directory URL', { exact: true }).fill(pebble.directory_url);
		await form.getByText('Another ACME CA').waitFor();
		await saveCard(form, 'Certificate settings saved.');
		const settings = await apiOK('GET', '/api/settings');
		assert.equal(settings.acme_directory_url, pebble.directory_url);
		assert.equal(settings.acme_enabled, true);
	});

	e2e('the DNS card: managed records at Cloudflare (the emulator), zone example.com', async () => {
		const form = settingsForm('DNS settings');
		await form.getByRole('radio', { name: 'Managed records at a DNS provider' }).check();
		await form.getByLabel('DNS provider', { exact: true }).selectOption('cloudflare');
		await form.getByLabel('Cloudflare API token', { exact: true }).fill(token);
		await saveCard(form, 'DNS settings saved.');
		const zones = await answerOf(() => form.getByRole('button', { name: /^(Load zones|Reload zones)$/ }).click(), 'GET', '/api/dns/zones');
		assert.equal(zones.status(), 200, await zones.text());
		const zoneSelect = form.getByLabel('Zone', { exact: true });
		await eventually(async () => assert.ok((await zoneSelect.locator('option').allTextContents()).some((o) => o.trim() === 'example.com')));
		await zoneSelect.selectOption({ label: 'example.com' });
		await saveCard(form, 'DNS settings saved.');
		const settings = await apiOK('GET', '/api/settings');
		assert.deepEqual([settings.wildcard_dns, settings.dns_provider, settings.cloudflare_zone_id], [false, 'cloudflare', shared.zoneId]);
	});

	e2e('the General card: domain example.com, public IPv4 127.0.0.1', async () => {
		// The states the Certificates card's issuance panel shows, each time it changes.
		shared.issuanceStates = await recordAttribute(p(), 'section.issuance', 'data-state');
		const form = settingsForm('General settings');
		await form.getByLabel('Domain', { exact: true }).fill('example.com');
		await form.getByLabel('Public IPv4', { exact: true }).fill('127.0.0.1');
		await saveCard(form, 'Settings saved.');
		const settings = await apiOK('GET', '/api/settings');
		assert.deepEqual([settings.domain, settings.public_ipv4], ['example.com', '127.0.0.1']);
	});

	e2e('the domain starts the DNS-01 issuance: the Certificates card shows its steps, then a toast', async () => {
		const panel = certList().getByRole('region', { name: /^Obtaining 2 certificates/ });
		await panel.waitFor({ timeout: 30_000 });
		const steps = panel.getByRole('list', { name: 'Steps of obtaining 2 certificates' });
		await toast('Certificates issued for *.example.com and example.com.').waitFor({ timeout: 180_000 });
		assert.deepEqual(await steps.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-state'))), ['done', 'done', 'done']);
		const lines = panel.getByRole('list', { name: 'Certificates of this run' }).getByRole('listitem');
		assert.deepEqual((await lines.locator('.names').allTextContents()).map((t) => t.trim()).sort(), ['*.example.com', 'example.com']);
		assert.deepEqual(await lines.locator('.badge').allTextContents(), ['issued', 'issued']);
		assert.deepEqual(await shared.issuanceStates(), ['working', 'issued'], 'the issuance was shown under way, then issued');
	});

	e2e('an app of the pushed image; its tag v1 deployed from the Instances page runs', async () => {
		const app = await apiOK('POST', '/api/apps', testApp(shared.image));
		await p().goto('/instances');
		const form = p().getByRole('form', { name: 'Deploy a tag' });
		await eventually(async () => assert.equal(await form.getByLabel('App', { exact: true }).inputValue(), String(app.id)));
		await form.getByLabel('Tag', { exact: true }).fill('v1');
		const res = await answerOf(() => form.getByRole('button', { name: 'Deploy' }).click(), 'POST', `/api/apps/${app.id}/deploy`);
		assert.equal(res.status(), 202, await res.text());
		const deployed = await res.json();
		Object.assign(instance, { id: deployed.id, fqdn: deployed.fqdn });
		assert.equal(instance.fqdn, 'web-v1.example.com');

		const row = p().locator('tbody tr').filter({ hasText: instance.fqdn });
		await eventually(async () => {
			const inst = await apiOK('GET', `/api/instances/${instance.id}`);
			if (inst.container_id) shared.containers.add(inst.container_id);
			assert.equal(inst.status, 'running', inst.last_error);
		}, 120_000);
		await eventually(async () => assert.equal((await row.locator('td[data-label="Status"] .badge').textContent())?.trim(), 'running'), 20_000);
	});

	e2e("the Certificates card shows *.example.com and example.com valid, through DNS-01, from Pebble's issuer", async () => {
		const pebble = /** @type {import('./helpers.mjs').PebbleInfo} */ (shared.pebble);
		const issuer = commonName(pebble.issuer_intermediate_pem);
		assert.match(issuer, /^Pebble Intermediate CA /);
		await p().goto('/settings');
		// Obtaining the pair takes a DNS-01 round through the emulator: refresh the list until both are valid.
		await eventually(async () => {
			await certList().getByRole('button', { name: 'Refresh' }).click();
			for (const name of ['*.example.com', 'example.com']) {
				const state = (await certRow(name).locator('td[data-label="State"] .badge').textContent({ timeout: 2000 }))?.trim();
				assert.equal(state, 'Valid', `${name}: ${await certRow(name).textContent({ timeout: 1000 }).catch(() => 'no row')}`);
			}
		}, 180_000);
		for (const name of ['*.example.com', 'example.com']) {
			const row = certRow(name);
			assert.equal((await row.locator('td[data-label="Issuer"]').textContent())?.trim(), issuer, name);
			assert.equal((await row.locator('td[data-label="Challenge"]').textContent())?.trim(), 'DNS-01', name);
			assert.match((await row.locator('td[data-label="Valid"]').textContent()) ?? '', /–/, name);
			assert.match((await row.locator('.badge').getAttribute('class')) ?? '', /\btone-ok\b/);
		}
		const { certificates } = await apiOK('GET', '/api/certificates');
		const wild = certificates.find((c) => c.names.includes('*.example.com'));
		assert.deepEqual([wild.state, wild.challenge, wild.issuer, wild.last_error], ['valid', 'dns-01', issuer, '']);
		// The instance's name is covered by the wildcard.
		const inst = await apiOK('GET', `/api/instances/${instance.id}`);
		assert.equal(inst.certificate?.state, 'valid', JSON.stringify(inst.certificate));
	});

	e2e('Renew now renews both through DNS-01: the steps, then a toast; the API shows the new certificates', async () => {
		const before = (await apiOK('GET', '/api/certificates')).certificates;
		await certList().getByRole('button', { name: 'Renew now', exact: true }).click();
		const panel = certList().getByRole('region', { name: /^Renewing 2 certificates/ });
		await panel.waitFor();
		const steps = panel.getByRole('list', { name: 'Steps of obtaining 2 certificates' });
		assert.notDeepEqual(await steps.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-state'))), ['done', 'done', 'done']);
		await toast('Certificates issued for *.example.com and example.com.').waitFor({ timeout: 180_000 });
		assert.deepEqual(await steps.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-state'))), ['done', 'done', 'done']);
		const after = (await apiOK('GET', '/api/certificates')).certificates;
		for (const name of ['*.example.com', 'example.com']) {
			const [b, a] = [before, after].map((list) => list.find((c) => c.names[0] === name));
			assert.equal(a.state, 'valid', name);
			assert.ok(a.last_attempt_at && a.last_attempt_at !== b.last_attempt_at, `${name}: an attempt ended (${b.last_attempt_at} → ${a.last_attempt_at})`);
			assert.ok(new Date(a.not_before) >= new Date(b.not_before), `${name}: ${a.not_before} is not before ${b.not_before}`);
		}
	});

	e2e("chromium opens the instance's HTTPS URL: the test server answers its tag, under Pebble's certificate", async () => {
		const browser = /** @type {import('playwright-core').Browser} */ (stack.browser);
		const pebble = /** @type {import('./helpers.mjs').PebbleInfo} */ (shared.pebble);
		const answer = await browserJSON(browser, httpsURL());
		assert.equal(answer.url, httpsURL());
		assert.deepEqual([answer.body.tag, answer.body.version], ['v1', version]);
		assert.equal(answer.security?.issuer, commonName(pebble.issuer_intermediate_pem));
		assert.match(answer.security?.protocol ?? '', /^TLS 1\.[23]$/);

		// What the page shows is the test server's answer.
		const { page, context } = await visit(browser, httpsURL());
		try {
			const shown = JSON.parse((await page.locator('body').innerText()).trim());
			assert.deepEqual([shown.tag, shown.version], ['v1', version]);
		} finally {
			await context.close();
		}
	});

	e2e('plain HTTP to the instance is redirected to its HTTPS URL', async () => {
		const browser = /** @type {import('playwright-core').Browser} */ (stack.browser);
		const { page, context, response, error } = await visit(browser, `http://${instance.fqdn}:${stack.proxyPort}/`);
		try {
			assert.equal(error, null, String(error));
			assert.equal(page.url(), httpsURL());
			assert.equal(response?.status(), 200);
			assert.equal(response?.request().redirectedFrom()?.url(), `http://${instance.fqdn}:${stack.proxyPort}/`);
		} finally {
			await context.close();
		}
	});

	e2e('the trust is only in Pebble: a certificate from another CA fails in the same browser', async () => {
		// Pebble's own directory is served with a certificate for 127.0.0.1
		// from a CA that testenv made (not Pebble's issuer): not trusted.
		const browser = /** @type {import('playwright-core').Browser} */ (stack.browser);
		const pebble = /** @type {import('./helpers.mjs').PebbleInfo} */ (shared.pebble);
		const { context, error } = await visit(browser, pebble.directory_url);
		await context.close();
		assert.match(String(error), /net::ERR_CERT_AUTHORITY_INVALID/);
	});

	e2e("without the SPKI list, chromium refuses the instance's HTTPS URL", async () => {
		const untrusting = await launchChromium([resolveToLocalhost('example.com')]);
		try {
			const { error } = await visit(untrusting, httpsURL());
			assert.match(String(error), /net::ERR_CERT_AUTHORITY_INVALID/);
		} finally {
			await untrusting.close();
		}
	});

	e2e('removing the instance from the Instances page removes its container', async () => {
		await p().goto('/instances');
		await p().getByRole('button', { name: `Remove ${instance.fqdn}`, exact: true }).click();
		const dialog = p().getByRole('alertdialog', { name: 'Remove instance?' });
		const res = await answerOf(() => dialog.getByRole('button', { name: 'Remove', exact: true }).click(), 'DELETE', `/api/instances/${instance.id}`);
		assert.equal(res.status(), 204, `DELETE /api/instances/${instance.id}`);
		await toast(`Instance ${instance.fqdn} removed.`).last().waitFor();
		assert.ok(shared.containers.size > 0, 'no container was seen');
		for (const id of shared.containers) {
			await eventually(async () => assert.equal(await engine('GET', `/containers/${id}/json`), 404, `container ${id}`), 30_000);
		}
	});

	e2e('the page had no uncaught errors', async () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
