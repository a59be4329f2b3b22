// Browser test of the Instances list and an instance's page with a real
// Docker Engine and registry (make test-e2e runs the specs under
// scripts/with-docker.sh): the real binary, Debian's chromium driven by
// playwright-core, and dockertest's test image pushed by `testenv image`
// (its server logs every request but the health checks, so a request
// through the built-in proxy writes a line of the container's log).
//
// A tag deployed from the list goes to running in its row without a
// reload (the page follows /api/events, it does not poll), with its steps
// and a toast at the end; the instance's page shows its details and
// follows its logs live (a request through the proxy shows up), pauses
// (no new line until resumed, then the held one), searches; a stop shows
// live, a start and a restart follow the logs again, and a removal asks
// first and removes the container.
//
//   make test-e2e                          (runs this file with the others)
//   DW_BINARY=$PWD/../bin/docker-watcher ../scripts/with-docker.sh node --test tests/instance-page.test.mjs
//
// The docker-watcher binary must have been built after `npm run build`,
// since it embeds web/build.

import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
	assertNotReloaded,
	browserStack,
	detail as detailOf,
	eventually,
	markPage,
	notedTexts,
	noteTexts,
	pushImage,
	screenshotOnFailure,
	testenvBinary
} from './helpers.mjs';
import { engine, getThroughProxy, removeContainers, testApp } from './deploy.mjs';

const repo = `dwtest/instance-page-${Date.now()}`;
const version = 'instance-page-' + randomBytes(6).toString('hex');

const shared = {
	/** The pushed image, without its tag, and its digest. */
	image: '',
	digest: '',
	/** Containers the deploy made, removed at the end whatever happens. */
	containers: /** @type {Set<string>} */ (new Set())
};

const stack = browserStack({
	name: 'instance-page',
	async services(s, defer) {
		const testenv = await testenvBinary(s.tmpDir);
		const { ref, digest } = await pushImage(testenv, { repo, tag: 'v1', version });
		Object.assign(shared, { image: ref.slice(0, ref.lastIndexOf(':')), digest });
		defer(() => removeContainers(shared.containers));
	}
});
const { p, apiOK, answerOf } = stack;
const e2e = screenshotOnFailure(() => stack.page, stack.logs);

/** The instance deployed by the tests. */
const instance = { id: 0, fqdn: '' };

const toast = (text) => p().locator('.toasts').getByRole('status').filter({ hasText: text });
const row = () => p().locator('tbody tr').filter({ hasText: instance.fqdn });
const cell = (label) => row().locator(`[data-label="${label}"]`);
const logRegion = () => p().getByRole('log', { name: `Logs of ${instance.fqdn}` });
const logLines = () => logRegion().locator('.line');
const logStatus = () => p().locator('.log-status');
const headerStatus = () => p().locator('.page-header .lead .badge');
const detail = (term) => detailOf(p(), term);
const button = (name) => p().getByRole('button', { name, exact: true });

/** Note what the container runs as, for the safety net. */
async function noteContainer() {
	const inst = await apiOK('GET', `/api/instances/${instance.id}`);
	if (inst.container_id) shared.containers.add(inst.container_id);
	return inst;
}

/** GET `path` through the built-in proxy as the instance's name: the test server logs it. */
const viaProxy = (path) => getThroughProxy(stack.proxyPort, instance.fqdn, path);

/** The container's last lines, as the API gives them (text). */
async function containerLogs() {
	const res = await p().request.get(`${stack.baseURL}/api/instances/${instance.id}/logs?tail=50`);
	const text = await res.text();
	assert.equal(res.status(), 200, text);
	return text;
}

/** The text of every line of the log region. */
const shownLines = async () => (await logLines().allTextContents()).map((t) => t.trim());

/** A marker of the page (a reload would lose it). */
const setMarker = () => markPage(p());
const markerKept = () => assertNotReloaded(p());
/** The progress label of a row of the list. */
const PROGRESS = '[aria-label^="Deploy progress of"]';

describe('Instances with a Docker Engine: live list, instance page, live logs', { concurrency: false }, () => {
	before(() => stack.start(), { timeout: 600_000 });
	after(() => stack.stop(), { timeout: 120_000 });

	e2e('log in; the domain is set and an app of the pushed image exists', async () => {
		await stack.logIn('/instances');
		await apiOK('PUT', '/api/settings', { domain: 'example.com', public_ipv4: '127.0.0.1' });
		const app = await apiOK('POST', '/api/apps', testApp(shared.image, { health_path: '/healthz' }));
		stack.appId = app.id;
		await p().reload();
		await p().getByText('No instances yet.').waitFor();
	});

	e2e('a tag deployed from the list goes to running in its row, live: steps, then a toast', async () => {
		const form = p().getByRole('form', { name: 'Deploy a tag' });
		await eventually(async () => assert.equal(await form.getByLabel('App', { exact: true }).inputValue(), String(stack.appId)));
		await setMarker();
		// What the row's progress said while the deploy ran.
		await noteTexts(p(), PROGRESS);
		const reads = [];
		const listener = (/** @type {import('playwright-core').Request} */ r) => reads.push(new URL(r.url()).pathname);
		p().on('request', listener);
		await form.getByLabel('Tag', { exact: true }).fill('v1');
		const res = await answerOf(() => form.getByRole('button', { name: 'Deploy' }).click(), 'POST', `/api/apps/${stack.appId}/deploy`);
		assert.equal(res.status(), 202, await res.text());
		const deployed = await res.json();
		Object.assign(instance, { id: deployed.id, fqdn: deployed.fqdn });
		assert.equal(instance.fqdn, 'web-v1.example.com');

		// Only the page is watched here: it must change by itself.
		await eventually(async () => assert.equal((await cell('Status').locator('.badge').textContent())?.trim(), 'running'), 120_000);
		p().off('request', listener);
		await noteContainer();
		await markerKept();
		await toast(`${instance.fqdn} is deployed: v1 (${shared.digest.slice(0, 'sha256:'.length + 12)}) runs.`).waitFor();

		const steps = await notedTexts(p(), PROGRESS);
		assert.ok(steps.length > 0, 'no step of the deploy was shown');
		for (const s of steps) {
			assert.match(s, /^(Starting the deploy|Pulling .*|Creating the container|Starting the container|Waiting for health|Routing to the new container)$/, s);
		}
		// Read through the event stream, one instance at a time: no polling of the list.
		assert.ok(reads.includes(`/api/instances/${instance.id}`), `the instance was never read: ${reads.join(' ')}`);
		assert.ok(reads.filter((r) => r === '/api/instances').length <= 1, `the list was polled: ${reads.join(' ')}`);

		const name = cell('Name').locator('a.name');
		assert.equal(await name.getAttribute('href'), `http://${instance.fqdn}:${stack.proxyPort}/`);
		assert.match((await name.textContent()) ?? '', new RegExp(`^${instance.fqdn.replace(/\./g, '\\.')}`));
		assert.equal((await cell('App and tag').locator('code').textContent())?.trim(), 'v1');
		assert.equal((await cell('App and tag').locator('.digest').textContent())?.trim(), shared.digest.slice('sha256:'.length, 'sha256:'.length + 12));
		assert.equal((await cell('Route').locator('.badge').first().textContent())?.trim(), 'Active');
		await eventually(async () => assert.equal((await cell('DNS').textContent())?.trim(), 'Wildcard'));
		assert.match((await cell('Status').locator('time').textContent())?.trim() ?? '', /^started (just now|\d+ seconds ago|1 minute ago)$/);
	});

	e2e('the app filter narrows the list', async () => {
		const filter = p().getByLabel('Show the instances of', { exact: true });
		await filter.selectOption({ label: 'web' });
		await p().waitForURL((u) => u.searchParams.get('app') === String(stack.appId));
		await row().waitFor();
		await p().goto(`/instances?app=${stack.appId + 100}`);
		await p().getByText(`No instances of app #${stack.appId + 100}.`).waitFor();
		await p().getByRole('link', { name: 'Show the instances of every app' }).click();
		await row().waitFor();
	});

	e2e("the instance's page shows its details", async () => {
		await p().getByRole('link', { name: `Details of ${instance.fqdn}`, exact: true }).click();
		await p().waitForURL((u) => u.pathname === `/instances/${instance.id}`);
		await p().getByRole('heading', { name: instance.fqdn, level: 1 }).waitFor();
		const inst = await noteContainer();
		await eventually(async () => assert.equal((await detail('Digest').textContent())?.trim(), shared.digest));
		assert.equal((await detail('Image and tag').textContent())?.trim(), `${shared.image}:v1`);
		assert.match((await detail('Previous digest').textContent()) ?? '', /None: nothing to roll back to/);
		assert.equal((await detail('Container').textContent())?.trim(), inst.container_id.slice(0, 12));
		assert.equal((await detail('Host port').textContent())?.trim(), String(inst.host_port));
		assert.equal(await detail('Name').getByRole('link').getAttribute('href'), inst.route.url);
		assert.equal((await detail('Route').locator('.badge').first().textContent())?.trim(), 'Active');
		assert.match((await detail('Certificate').textContent()) ?? '', /None: the name is served over HTTP only/);
		await eventually(async () => assert.match((await detail('DNS record').textContent()) ?? '', /A\s+web-v1\.example\.com\s+→\s+127\.0\.0\.1\s+Wildcard/));
		assert.equal((await headerStatus().textContent())?.trim(), 'running');
		// Only the actions of a running instance; no rollback without an earlier image.
		const actions = p().getByRole('group', { name: `Actions of ${instance.fqdn}` });
		assert.deepEqual((await actions.getByRole('button').allTextContents()).map((t) => t.trim()), ['Stop', 'Restart', 'Redeploy', 'Remove']);
	});

	e2e('log lines arrive while following: a request through the proxy shows up', async () => {
		await eventually(async () => assert.match((await logStatus().textContent()) ?? '', /^Following/));
		await eventually(async () => assert.ok((await shownLines()).some((l) => /testserver: tag "v1" version ".*" listening/.test(l)), 'no start line'));
		assert.equal(await logRegion().getAttribute('aria-live'), 'off');
		await setMarker();
		const marker = 'first-' + randomBytes(4).toString('hex');
		assert.equal(await viaProxy(`/?line=${marker}`), 200);
		await eventually(async () => assert.ok((await shownLines()).some((l) => l.includes(`GET /?line=${marker} host ${instance.fqdn}`)), `no ${marker}`));
		stack.marker = marker;
		await markerKept();
	});

	e2e('pause: a new line is held, not shown; resume shows it', async () => {
		await button('Pause').click();
		await eventually(async () => assert.match((await logStatus().textContent()) ?? '', /^Paused/));
		const before = await shownLines();
		const held = 'held-' + randomBytes(4).toString('hex');
		assert.equal(await viaProxy(`/?line=${held}`), 200);
		// The container did write it …
		await eventually(async () => assert.ok((await containerLogs()).includes(held), 'the container did not log the request'));
		// … and the view held it.
		await eventually(async () => assert.match((await logStatus().textContent()) ?? '', /Paused: 1 new line, shown when you resume\./));
		await new Promise((r) => setTimeout(r, 500));
		assert.deepEqual(await shownLines(), before);
		await button('Resume').click();
		await eventually(async () => assert.ok((await shownLines()).some((l) => l.includes(held)), `no ${held} after the resume`));
		assert.match((await logStatus().textContent()) ?? '', /^Following/);
	});

	e2e('search: case-insensitive, only the matching lines, the match marked', async () => {
		const search = p().getByLabel('Search the logs', { exact: true });
		await search.fill(stack.marker.toUpperCase());
		await eventually(async () => assert.equal((await shownLines()).length, 1));
		assert.ok((await shownLines())[0].includes(stack.marker));
		assert.equal((await logRegion().locator('mark').textContent())?.trim(), stack.marker);
		assert.match((await logStatus().textContent()) ?? '', /1 line match\./);
		const only = p().getByLabel('Only matching lines', { exact: true });
		await only.uncheck();
		await eventually(async () => assert.ok((await shownLines()).length > 1));
		assert.equal(await logRegion().locator('mark').count(), 1);
		await search.fill('no-such-text-' + randomBytes(4).toString('hex'));
		await only.check();
		await logRegion().getByText('No line matches.').waitFor();
		await search.fill('');
		await eventually(async () => assert.ok((await shownLines()).length > 2));
	});

	e2e('stop: the status changes live and following ends', async () => {
		const res = await answerOf(() => button(`Stop ${instance.fqdn}`).click(), 'POST', `/api/instances/${instance.id}/stop`);
		assert.equal(res.status(), 200, await res.text());
		await toast(`${instance.fqdn} stopped.`).waitFor();
		await eventually(async () => assert.equal((await headerStatus().textContent())?.trim(), 'stopped'));
		await eventually(async () => assert.equal((await detail('Route').locator('.badge').first().textContent())?.trim(), 'Stopped'));
		await eventually(async () => assert.match((await logStatus().textContent()) ?? '', /The container stopped: following ended\./));
		assert.ok((await shownLines()).includes('The container stopped: following ended.'));
		await button(`Start ${instance.fqdn}`).waitFor();
		await markerKept();
	});

	e2e('start, then restart: running again, and the logs follow again', async () => {
		let res = await answerOf(() => button(`Start ${instance.fqdn}`).click(), 'POST', `/api/instances/${instance.id}/start`);
		assert.equal(res.status(), 200, await res.text());
		await eventually(async () => assert.equal((await headerStatus().textContent())?.trim(), 'running'), 30_000);
		await eventually(async () => assert.match((await logStatus().textContent()) ?? '', /^Following/), 30_000);
		assert.ok((await shownLines()).some((l) => l.startsWith('The container runs again')), 'no note of the new run');
		await noteContainer();

		res = await answerOf(() => button(`Restart ${instance.fqdn}`).click(), 'POST', `/api/instances/${instance.id}/restart`);
		assert.equal(res.status(), 200, await res.text());
		await toast(`${instance.fqdn} restarted.`).waitFor();
		await noteContainer();
		await eventually(async () => assert.equal((await headerStatus().textContent())?.trim(), 'running'));
		await eventually(async () => assert.match((await logStatus().textContent()) ?? '', /^Following/), 30_000);
		const after = 'after-restart-' + randomBytes(4).toString('hex');
		assert.equal(await viaProxy(`/?line=${after}`), 200);
		await eventually(async () => assert.ok((await shownLines()).some((l) => l.includes(after)), `no ${after}`), 15_000);
		await markerKept();
	});

	e2e('remove asks first; cancel keeps it; confirm removes the container and goes back to the list', async () => {
		const dialog = p().getByRole('alertdialog', { name: 'Remove instance?' });
		await button(`Remove ${instance.fqdn}`).click();
		await dialog.waitFor();
		assert.match((await dialog.textContent()) ?? '', new RegExp(`The container of ${instance.fqdn.replace(/\./g, '\\.')} is removed`));
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'hidden' });
		assert.equal((await stack.api('GET', `/api/instances/${instance.id}`)).status, 200);

		await button(`Remove ${instance.fqdn}`).click();
		const res = await answerOf(() => dialog.getByRole('button', { name: 'Remove', exact: true }).click(), 'DELETE', `/api/instances/${instance.id}`);
		assert.equal(res.status(), 204);
		await p().waitForURL((u) => u.pathname === '/instances');
		await toast(`Instance ${instance.fqdn} removed.`).waitFor();
		await p().getByText('No instances yet.').waitFor();
		assert.ok(shared.containers.size > 0, 'no container was seen');
		for (const id of shared.containers) {
			await eventually(async () => assert.equal(await engine('GET', `/containers/${id}/json`), 404, `container ${id}`), 30_000);
		}
	});

	e2e('the page had no uncaught errors', async () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
