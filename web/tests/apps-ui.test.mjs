// Browser test of the Apps pages: the real binary under a real Docker
// Engine and registry (make test-e2e runs the specs under
// scripts/with-docker.sh, which sets DOCKER_HOST and DW_TEST_REGISTRY),
// and Debian's chromium driven by playwright-core. An app is made in the
// form (the API's field errors at a field and at an environment row, then
// fixed), listed, edited (the registry password write-only: set, shown as
// stored, cleared), its webhook shown with a secret generated on the page
// and accepted by the webhook; the registry's tags are offered in the
// deploy form, one is deployed, its steps followed to running (the test
// server answering through the built-in proxy), a taken subdomain shown at
// its field, the delete refused while the instance exists and done once it
// is gone.
//
// The test images come from internal/testtools/testenv (`testenv image`
// pushes dockertest's test image to DW_TEST_REGISTRY; built with `go build`
// into the test's folder unless TESTENV_BINARY names one).
//
//   make test-e2e                          (runs this file with the others)
//   DW_BINARY=$PWD/../bin/docker-watcher ../scripts/with-docker.sh node --test tests/apps-ui.test.mjs
//
// The docker-watcher binary must have been built after `npm run build`,
// since it embeds web/build.

import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { browserStack, eventually, notedTexts, noteTexts, pushImage, screenshotOnFailure, testenvBinary } from './helpers.mjs';

const repo = `dwtest/apps-ui-${Date.now()}`;
const version = 'apps-ui-' + randomBytes(6).toString('hex');

const shared = {
	/** The pushed repository, as the app's image. */
	image: '',
	/** Digests of the pushed tags. */
	digests: /** @type {Record<string, string>} */ ({}),
	appId: 0,
	instanceId: 0,
	/** Containers the deploy made, removed at the end whatever happens. */
	containers: /** @type {Set<string>} */ (new Set())
};

const stack = browserStack({
	name: 'apps-ui',
	async services(s, defer) {
		const testenv = await testenvBinary(s.tmpDir);
		// Two tags the pattern v\d+ takes, and one it does not.
		for (const tag of ['v1', 'v2', 'latest']) {
			const { ref, digest } = await pushImage(testenv, { repo, tag, version: `${version}-${tag}` });
			shared.image = ref.slice(0, ref.lastIndexOf(':'));
			shared.digests[tag] = digest;
		}
		defer(removeContainers);
	}
});
const { p, api, apiOK, answerOf } = stack;
const e2e = screenshotOnFailure(() => stack.page, stack.logs);

/** The safety net: force-remove the containers the deploy made, if still there. */
async function removeContainers() {
	for (const id of shared.containers) await promisify(execFile)('docker', ['rm', '-f', id]).catch(() => {});
}

const toast = (text) => p().locator('.toasts').getByRole('status').filter({ hasText: text });
const appForm = (name) => p().getByRole('form', { name });
const field = (form, label) => form.getByLabel(label, { exact: true });
const appsTable = () => p().getByRole('region', { name: 'Apps' }).locator('table');
const appRow = (name) => appsTable().locator('tbody tr').filter({ has: p().locator('td[data-label="Name"]').getByText(name, { exact: true }) });
const cell = (row, label) => row.locator(`td[data-label="${label}"]`);
const deployForm = () => p().getByRole('form', { name: 'Deploy a tag' });
const instancesCard = () => p().getByRole('region', { name: 'Instances' });
/** The label of the deploy's step under way. */
const CURRENT_STEP = '.deploy-steps li[aria-current="step"] .label';
const text = async (locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** Submit an app form and return the answer of its call. */
async function submit(form, label, method, pathname) {
	return answerOf(() => form.getByRole('button', { name: label, exact: true }).click(), method, pathname);
}

/** GET / of a name through the built-in proxy: the test server's JSON. */
function throughProxy(host) {
	return new Promise((resolve, reject) => {
		const req = http.request({ host: '127.0.0.1', port: stack.proxyPort, path: '/', headers: { Host: host } }, (res) => {
			let body = '';
			res.on('data', (d) => (body += d));
			res.on('end', () => resolve({ status: res.statusCode, body }));
		});
		req.on('error', reject);
		req.end();
	});
}

describe('Apps pages', { concurrency: false }, () => {
	before(() => stack.start());
	after(async () => {
		// Remove what the deploy made through the API while it runs; the
		// safety net removes the containers if that failed.
		if (shared.instanceId) await api('DELETE', `/api/instances/${shared.instanceId}`).catch(() => {});
		await stack.stop();
	});

	e2e('the Apps page is in the navigation after the Dashboard, before Instances, and without apps says what to do', async () => {
		await stack.logIn('/apps');
		await apiOK('PUT', '/api/settings', { domain: 'example.com' });
		const links = await p().getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
		assert.deepEqual(links.map((l) => l.trim()).slice(0, 3), ['Dashboard', 'Apps', 'Instances']);
		await p().getByText('No apps yet.').waitFor();
		assert.match(await text(p().locator('.empty')), /Add an app: a repository your registry pushes to/);
	});

	e2e("a bad tag pattern is a 400 at its field, a bad variable name one at its row; fixed, the app is made", async () => {
		await p().locator('.empty').getByRole('link', { name: 'Add app' }).click();
		await p().waitForURL((u) => u.pathname === '/apps/new');
		const form = appForm('Add app');
		await field(form, 'Name').fill('web');
		await field(form, 'Image repository').fill(shared.image);
		await field(form, 'Tag pattern').fill('v(\\d+');
		await field(form, 'Container port').fill('8080');
		await form.getByRole('button', { name: 'Add variable' }).click();
		// The new row's name has the focus.
		assert.equal(await p().evaluate(() => document.activeElement?.id), 'app-env-0-key');
		await field(form, 'Name of variable 1').fill('BAD KEY');
		await field(form, 'Value of variable 1').fill(' info ');

		let res = await submit(form, 'Add app', 'POST', '/api/apps');
		assert.equal(res.status(), 400);
		assert.equal((await res.json()).field, 'tag_pattern');
		const patternError = form.locator('#app-tag_pattern-error');
		await eventually(async () => assert.match(await text(patternError), /tag_pattern is not a valid regular expression/));
		assert.equal(await field(form, 'Tag pattern').getAttribute('aria-invalid'), 'true');
		assert.equal(await p().evaluate(() => document.activeElement?.id), 'app-tag_pattern');

		await field(form, 'Tag pattern').fill('v\\d+');
		res = await submit(form, 'Add app', 'POST', '/api/apps');
		assert.equal(res.status(), 400);
		assert.equal((await res.json()).field, 'env.BAD KEY');
		await eventually(async () => assert.match(await text(form.locator('#app-env-0-error')), /must match \[A-Za-z_\]/));
		assert.equal(await patternError.count(), 0);
		assert.equal(await p().evaluate(() => document.activeElement?.id), 'app-env-0-key');

		await field(form, 'Name of variable 1').fill('LOG_LEVEL');
		res = await submit(form, 'Add app', 'POST', '/api/apps');
		assert.equal(res.status(), 201, await res.text());
		const created = await res.json();
		shared.appId = created.id;
		// What was sent: the value as typed, the defaults of the form.
		assert.deepEqual(res.request().postDataJSON().env, { LOG_LEVEL: ' info ' });
		assert.deepEqual([created.tag_pattern, created.poll_interval_seconds, created.restart_policy, created.auto_deploy], ['v\\d+', 300, 'unless-stopped', false]);
		await p().waitForURL((u) => u.pathname === `/apps/${created.id}`);
		await toast('App web added.').waitFor();
		await p().getByRole('heading', { level: 1, name: 'web' }).waitFor();
	});

	e2e('the list shows it: repository, pattern, auto-deploy, last check, instances', async () => {
		await p().getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Apps' }).click();
		await p().waitForURL((u) => u.pathname === '/apps');
		const row = appRow('web');
		await row.waitFor();
		assert.equal(await text(cell(row, 'Repository')), shared.image);
		assert.equal(await text(cell(row, 'Tag pattern')), 'v\\d+');
		assert.equal(await text(cell(row, 'Auto-deploy')), 'Off');
		assert.equal(await text(cell(row, 'Last check')), 'Not watched');
		assert.equal(await text(cell(row, 'Instances')), '0');
	});

	e2e('edited: auto-deploy on webhooks only, limits, a registry password stored and never shown, then cleared', async () => {
		await appRow('web').getByRole('link', { name: 'Edit web' }).click();
		await p().waitForURL((u) => u.pathname === `/apps/${shared.appId}/edit`);
		const form = appForm('Edit app');
		await eventually(async () => assert.equal(await field(form, 'Name').inputValue(), 'web'));
		assert.equal(await field(form, 'Value of variable 1').inputValue(), ' info ');
		await field(form, 'Deploy new tags and digests from the registry').check();
		await field(form, 'Poll interval (seconds)').fill('0');
		await form.getByText('Webhooks only: the registry is never polled.', { exact: false }).waitFor();
		await field(form, 'Memory (MB)').fill('64');
		await field(form, 'Registry user name').fill('ci');
		const password = 'pw-' + randomBytes(8).toString('hex');
		await field(form, 'Registry password').fill(password);
		let res = await submit(form, 'Save', 'PUT', `/api/apps/${shared.appId}`);
		assert.equal(res.status(), 200, await res.text());
		let saved = await res.json();
		assert.deepEqual([saved.auto_deploy, saved.poll_interval_seconds, saved.memory_mb, saved.registry_password_set], [true, 0, 64, true]);
		assert.equal(res.request().postDataJSON().registry_password, password);
		await p().waitForURL((u) => u.pathname === `/apps/${shared.appId}`);
		await toast('App web saved.').waitFor();
		const settings = p().getByRole('region', { name: 'Settings' });
		await settings.getByText('ci, password set').waitFor();
		assert.equal((await p().content()).includes(password), false, 'the password is on the page');

		// The form shows it stored, without its value; Clear removes it on save.
		await settings.getByRole('link', { name: 'Edit the settings of web' }).click();
		await eventually(async () => assert.equal(await field(form, 'Registry user name').inputValue(), 'ci'));
		assert.equal(await field(form, 'Registry password').inputValue(), '');
		await form.getByText('Stored', { exact: true }).waitFor();
		await form.getByRole('button', { name: 'Clear the stored registry password' }).click();
		await field(form, 'Registry user name').fill('');
		res = await submit(form, 'Save', 'PUT', `/api/apps/${shared.appId}`);
		assert.equal(res.status(), 200, await res.text());
		saved = await res.json();
		assert.equal(res.request().postDataJSON().registry_password, '');
		assert.deepEqual([saved.registry_password_set, saved.registry_username], [false, '']);
		await p().waitForURL((u) => u.pathname === `/apps/${shared.appId}`);
		await settings.getByText("None: Docker's config on this server").waitFor();
		assert.match(await text(settings), /Webhooks only/);
		assert.match(await text(settings), /64 MB memory/);
	});

	e2e('the webhook: its URL copied, a secret generated and used in the snippets, accepted by the webhook', async () => {
		const url = `${stack.baseURL}/api/hooks/registry`;
		const hook = p().getByRole('region', { name: 'Push webhook' });
		assert.equal(await hook.getByLabel('Webhook URL', { exact: true }).inputValue(), url);
		await p().context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.baseURL });
		await hook.getByRole('button', { name: 'Copy the webhook URL' }).click();
		await hook.getByRole('button', { name: 'Copy the webhook URL' }).getByText('Copied').waitFor();
		assert.equal(await p().evaluate(() => navigator.clipboard.readText()), url);

		const distribution = hook.locator('#webhook-distribution');
		const curl = hook.locator('#webhook-curl');
		assert.match(await distribution.textContent(), new RegExp(`url: ${url.replace(/[.]/g, '\\.')}\\n`));
		assert.match(await distribution.textContent(), /Authorization: \[Bearer <registry_webhook_secret>\]/);
		// The example is of the app, with the registry's newest tag.
		await eventually(async () => assert.match(await curl.textContent(), /body='\{"app":"web","tag":"v2"\}'/));
		assert.match(await curl.textContent(), /X-Docker-Watcher-Signature: sha256=\$sig/);

		await hook.getByText('No secret', { exact: true }).waitFor();
		const res = await answerOf(() => hook.getByRole('button', { name: 'Generate a secret' }).click(), 'PUT', '/api/settings');
		assert.equal(res.status(), 200, await res.text());
		const secret = res.request().postDataJSON().registry_webhook_secret;
		assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
		assert.equal(await hook.getByLabel('New webhook secret').inputValue(), secret);
		assert.match(await distribution.textContent(), new RegExp(`Authorization: \\[Bearer ${secret}\\]`));
		assert.equal((await apiOK('GET', '/api/settings')).registry_webhook_secret_set, true);

		// The secret the page stored is the webhook's: signed as the curl
		// example signs (a push of an app not watched is accepted, nothing
		// triggered), and a wrong one is refused.
		const body = JSON.stringify({ app: 'no-such-app', tag: 'v2' });
		const sign = (key) => 'sha256=' + createHmac('sha256', key).update(body).digest('hex');
		const post = (sig) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Docker-Watcher-Signature': sig }, body });
		const ok = await post(sign(secret));
		assert.equal(ok.status, 202);
		assert.deepEqual(await ok.json(), { triggered: [] });
		assert.equal((await post(sign('another-secret-0123456789'))).status, 401);
	});

	e2e("the registry's tags that match the pattern are offered, newest first, with their digests", async () => {
		const form = deployForm();
		await form.getByText('2 tags match v\\d+, newest v2: pick one or type a tag.').waitFor();
		const options = await form.locator('datalist#deploy-tags option').evaluateAll((os) => os.map((o) => [o.value, o.label]));
		assert.deepEqual(options, [
			['v2', shared.digests.v2.slice(0, 'sha256:'.length + 12)],
			['v1', shared.digests.v1.slice(0, 'sha256:'.length + 12)]
		]);
		assert.equal(await field(form, 'Tag').getAttribute('list'), 'deploy-tags');
		assert.equal(await field(form, 'Tag').getAttribute('placeholder'), 'v2');
	});

	e2e('v2 deployed: its steps followed to running, the test server answering through the proxy', async () => {
		// The step under way, each time it changes.
		await noteTexts(p(), CURRENT_STEP);
		const form = deployForm();
		await field(form, 'Tag').fill('v2');
		const res = await answerOf(() => form.getByRole('button', { name: 'Deploy', exact: true }).click(), 'POST', `/api/apps/${shared.appId}/deploy`);
		assert.equal(res.status(), 202, await res.text());
		const inst = await res.json();
		shared.instanceId = inst.id;
		assert.equal(inst.subdomain, 'web-v2');

		const steps = p().locator('.deploy-steps');
		await steps.getByRole('heading', { name: /Deploying web:v2/ }).waitFor();
		await eventually(async () => {
			const now = await apiOK('GET', `/api/instances/${inst.id}`);
			if (now.container_id) shared.containers.add(now.container_id);
			assert.notEqual(now.status, 'failed', now.last_error);
			assert.equal(await text(steps.getByRole('heading')), 'Deploying web:v2 running');
		}, 120_000);
		const running = await apiOK('GET', `/api/instances/${inst.id}`);
		shared.containers.add(running.container_id);
		assert.equal(running.status, 'running');
		assert.match(running.route.url, /^http:\/\/web-v2\.example\.com(:\d+)?\/$/);
		await toast(`web:v2 is running at ${running.route.url}.`).waitFor();

		// Every step done (the pull, too: the engine did not have the image).
		const states = await steps.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-state')));
		assert.deepEqual(states, ['done', 'done', 'done', 'done', 'done']);
		const order = ['Pull the image', 'Create the container', 'Start it', 'Wait until it is healthy', 'Route its name to it'];
		const seen = await notedTexts(p(), CURRENT_STEP);
		assert.ok(seen.length >= 1, 'no step was shown under way');
		const indexes = seen.map((s) => order.indexOf(s));
		assert.ok(indexes.every((i, k) => i >= 0 && (k === 0 || i > indexes[k - 1])), `steps out of order: ${seen.join(', ')}`);

		// The compact list: tag, short digest, status, address, a link to the instance's page.
		const row = instancesCard().locator('tbody tr').filter({ hasText: 'web-v2' });
		await eventually(async () => assert.equal(await text(cell(row, 'Status')), 'running'));
		assert.equal(await text(cell(row, 'Tag')), 'v2');
		assert.equal(await text(cell(row, 'Digest')), shared.digests.v2.slice(0, 'sha256:'.length + 12));
		assert.equal(await cell(row, 'Subdomain').getByRole('link').getAttribute('href'), `/instances/${inst.id}`);
		assert.equal(await cell(row, 'Address').getByRole('link').getAttribute('href'), running.route.url);

		const answer = await throughProxy('web-v2.example.com');
		assert.equal(answer.status, 200, answer.body);
		assert.deepEqual([JSON.parse(answer.body).tag, JSON.parse(answer.body).version], ['v2', `${version}-v2`]);
	});

	e2e('nothing is polled: the page fetches only after an event of the stream', async () => {
		// A stream of our own counts the events the page hears meanwhile.
		await p().evaluate(() => {
			const counter = { events: 0, source: new EventSource('/api/events') };
			for (const kind of ['apps_changed', 'consumers_changed', 'instance_progress', 'resync']) {
				counter.source.addEventListener(kind, () => counter.events++);
			}
			Object.assign(window, { eventCounter: counter });
		});
		const seen = { count: 0 };
		const listener = (/** @type {import('playwright-core').Request} */ req) => {
			const path = new URL(req.url()).pathname;
			if (path.startsWith('/api/') && path !== '/api/events') seen.count++;
		};
		p().on('request', listener);
		await p().waitForTimeout(3000);
		p().off('request', listener);
		const events = await p().evaluate(() => {
			const c = /** @type {any} */ (window).eventCounter;
			c.source.close();
			return c.events;
		});
		// Each event costs at most the app and the instances.
		assert.ok(seen.count <= 2 * events, `${seen.count} API requests in 3 s with ${events} events`);
	});

	e2e("a taken subdomain is the server's 409, shown at the subdomain field", async () => {
		const form = deployForm();
		await field(form, 'Tag').fill('v1');
		await field(form, 'Subdomain (optional)').fill('web-v2');
		const res = await answerOf(() => form.getByRole('button', { name: /^Deploy/ }).click(), 'POST', `/api/apps/${shared.appId}/deploy`);
		assert.equal(res.status(), 409);
		await eventually(async () => assert.match(await text(form.locator('#deploy-subdomain-error')), /web-v2/));
		assert.equal(await p().evaluate(() => document.activeElement?.id), 'deploy-subdomain');
		assert.equal((await apiOK('GET', '/api/instances')).length, 1);
	});

	e2e("the delete says the app has an instance, and shows the server's refusal", async () => {
		await p().getByRole('button', { name: 'Delete', exact: true }).click();
		const dialog = p().getByRole('alertdialog', { name: 'Delete web?' });
		await dialog.getByText('web has 1 instance: an app with instances cannot be deleted').waitFor();
		const res = await answerOf(() => dialog.getByRole('button', { name: 'Delete app' }).click(), 'DELETE', `/api/apps/${shared.appId}`);
		assert.equal(res.status(), 409);
		await dialog.getByRole('alert').getByText('app web still has instances; remove them first').waitFor();
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		assert.equal((await api('GET', `/api/apps/${shared.appId}`)).status, 200);
	});

	e2e('the instance removed elsewhere leaves the page at once; then the app is deleted from the list', async () => {
		assert.equal((await api('DELETE', `/api/instances/${shared.instanceId}`)).status, 204);
		shared.instanceId = 0;
		await instancesCard().getByText('No instances yet.').waitFor();

		await p().goto('/apps');
		const row = appRow('web');
		await eventually(async () => assert.equal(await text(cell(row, 'Instances')), '0'));
		assert.equal(await text(cell(row, 'Auto-deploy')), 'Webhooks only');
		await row.getByRole('button', { name: 'Delete web' }).click();
		const dialog = p().getByRole('alertdialog', { name: 'Delete web?' });
		await dialog.getByText('web is deleted with its settings').waitFor();
		const res = await answerOf(() => dialog.getByRole('button', { name: 'Delete app' }).click(), 'DELETE', `/api/apps/${shared.appId}`);
		assert.equal(res.status(), 204);
		await toast('App web deleted.').waitFor();
		await p().getByText('No apps yet.').waitFor();
		assert.deepEqual(await apiOK('GET', '/api/apps'), []);
	});

	e2e('a registry that cannot be reached: the form says so in its words, and a tag can still be typed', async () => {
		const app = await apiOK('POST', '/api/apps', { name: 'down', image: '127.0.0.1:1/team/web', tag_pattern: 'v\\d+', container_port: 8080 });
		// Listed at once: the page follows the event stream.
		await appRow('down').waitFor();
		await p().goto(`/apps/${app.id}`);
		const warning = deployForm().getByRole('status').filter({ hasText: "The registry's tags could not be read" });
		await warning.waitFor();
		assert.match(await text(warning), /The registry 127\.0\.0\.1:1 cannot be reached: .* Type the tag instead\./);
		assert.equal(await field(deployForm(), 'Tag').isEditable(), true);
		assert.equal(await deployForm().locator('datalist#deploy-tags option').count(), 0);
	});

	e2e('on a phone the list is a stack of cards, and nothing is wider than the screen', async () => {
		await p().setViewportSize({ width: 390, height: 800 });
		try {
			await p().goto('/apps');
			const row = appRow('down');
			await row.waitFor();
			assert.equal(await row.evaluate((tr) => getComputedStyle(tr).display), 'block');
			const main = p().locator('main');
			assert.ok(await main.evaluate((m) => m.scrollWidth <= m.clientWidth + 1), 'the list is wider than the screen');
		} finally {
			await p().setViewportSize({ width: 1280, height: 800 });
		}
	});

	e2e('the pages had no uncaught errors', async () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
