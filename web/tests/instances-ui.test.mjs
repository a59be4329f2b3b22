// Browser test of the Instances page without a Docker Engine: the real
// binary, started with DOCKER_HOST on a socket that does not exist (so it
// never reaches an engine, whatever the machine runs), and Debian's
// chromium driven by playwright-core. It checks what works without an
// engine: the banner (on the page and in the header) and /healthz asked
// every 10 s, the Deploy form's checks (an app from the API, a bad tag at
// the tag field) and its plain answer when the engine cannot be reached.
// The actions of an instance need one; their logic is tested with vitest
// (src/lib/instances.test.ts, src/lib/api/instances.test.ts).
//
//   npm run test:e2e                       (runs this file with the others)
//   DW_BINARY=/path/to/docker-watcher node --test tests/instances-ui.test.mjs
//
// The docker-watcher binary must have been built after `npm run build`,
// since it embeds web/build.

import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { browserStack, clickWithProgress, eventually, screenshotOnFailure } from './helpers.mjs';

const ENGINE_DOWN =
	'The Docker Engine cannot be reached: proxies and DNS keep working; deploys and actions wait until it answers.';

const stack = browserStack({
	name: 'instances-ui',
	// A socket that does not exist: the engine never answers.
	services: async () => ({ env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } })
});
const { p, api, apiOK, answerOf } = stack;
const e2e = screenshotOnFailure(() => stack.page, stack.logs);

const banner = () => p().locator('.engine-banner').getByRole('status');
const headerPill = () => p().locator('header.topbar').getByRole('link', { name: 'Docker Engine unreachable' });
const deployForm = () => p().getByRole('form', { name: 'Deploy a tag' });
const appSelect = () => deployForm().getByLabel('App', { exact: true });
const tagInput = () => deployForm().getByLabel('Tag', { exact: true });
const subdomainInput = () => deployForm().getByLabel('Subdomain (optional)', { exact: true });
const deployButton = () => deployForm().getByRole('button', { name: /^(Deploy|Deploying…)$/ });
const formAlert = () => deployForm().getByRole('alert');
const tagError = () => deployForm().locator('#deploy-tag-error');

/** The requests the page made to `pathname` from now on. */
function countRequests(pathname) {
	const seen = { count: 0 };
	const listener = (/** @type {import('playwright-core').Request} */ req) => {
		if (new URL(req.url()).pathname === pathname) seen.count++;
	};
	p().on('request', listener);
	return { seen, stop: () => p().off('request', listener) };
}

/** Submit the Deploy form and return the answer of the deploy call. */
async function deploy(appId) {
	return answerOf(() => deployButton().click(), 'POST', `/api/apps/${appId}/deploy`);
}

describe('Instances page without a Docker Engine', { concurrency: false }, () => {
	before(() => stack.start());
	after(() => stack.stop());

	e2e('/healthz says the engine is unreachable, and the server still serves', async () => {
		const res = await fetch(stack.baseURL + '/healthz');
		assert.equal(res.status, 200);
		assert.deepEqual(await res.json(), { status: 'ok', database: 'ok', docker: 'unreachable' });
	});

	e2e('the Instances page shows the banner, and the header says so too', async () => {
		await stack.logIn('/instances');
		await banner().waitFor();
		assert.equal((await banner().textContent())?.replace(/\s+/g, ' ').trim(), `Docker Engine unreachable. ${ENGINE_DOWN}`);
		await headerPill().waitFor();
		assert.equal(await headerPill().getAttribute('title'), ENGINE_DOWN);
		await p().getByText('No instances yet.').waitFor();
	});

	e2e('the header keeps saying so on another page; its link leads to the Instances page', async () => {
		await p().getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Proxies' }).click();
		await p().waitForURL((u) => u.pathname === '/proxies');
		await headerPill().waitFor();
		assert.equal(await banner().count(), 0);
		await headerPill().click();
		await p().waitForURL((u) => u.pathname === '/instances');
		await banner().waitFor();
		await p().getByText('No instances yet.').waitFor();
	});

	e2e('the page asks /healthz again every 10 s, and polls no list while nothing deploys', async () => {
		const health = countRequests('/healthz');
		const list = countRequests('/api/instances');
		try {
			await eventually(() => assert.ok(health.seen.count >= 1, 'no /healthz within 12 s'), 12_000);
			assert.equal(list.seen.count, 0, 'the list was fetched again with nothing deploying');
		} finally {
			health.stop();
			list.stop();
		}
		await banner().waitFor();
	});

	e2e('without apps the form says how to make one and cannot deploy', async () => {
		await deployForm().getByText('No apps yet').waitFor();
		assert.equal(await deployButton().isDisabled(), true);
		assert.equal(await appSelect().isDisabled(), true);
	});

	e2e('an app made through the API is offered, with its image and tag pattern', async () => {
		const created = await apiOK('POST', '/api/apps', {
			name: 'web',
			// Nothing listens on port 1: no registry is ever contacted.
			image: '127.0.0.1:1/team/web',
			tag_pattern: 'v\\d+\\.\\d+\\.\\d+',
			container_port: 8080,
			env: {},
			auto_deploy: false,
			poll_interval_seconds: 0
		});
		stack.appId = created.id;
		await p().getByRole('button', { name: 'Refresh' }).click();
		await eventually(async () => assert.equal(await appSelect().inputValue(), String(created.id)));
		assert.equal((await appSelect().locator('option:checked').textContent())?.trim(), 'web');
		await deployForm().getByText('127.0.0.1:1/team/web', { exact: true }).waitFor();
		await deployForm().getByText('Must match v\\d+\\.\\d+\\.\\d+', { exact: true }).waitFor();
		assert.equal(await deployButton().isEnabled(), true);
	});

	e2e('an empty tag is caught before any call', async () => {
		const calls = countRequests(`/api/apps/${stack.appId}/deploy`);
		try {
			await deployButton().click();
			await tagError().waitFor();
			assert.match((await tagError().textContent()) ?? '', /Enter the tag/);
			assert.equal(calls.seen.count, 0);
		} finally {
			calls.stop();
		}
	});

	e2e('a tag that is not a Docker tag is a 400 shown at the tag field', async () => {
		await tagInput().fill('-bad tag');
		const res = await deploy(stack.appId);
		assert.equal(res.status(), 400);
		assert.equal((await res.json()).field, 'tag');
		await eventually(async () => assert.match((await tagError().textContent()) ?? '', /not a valid image tag/));
		assert.equal(await tagInput().getAttribute('aria-invalid'), 'true');
		assert.equal(await tagInput().getAttribute('aria-describedby'), 'deploy-tag-hint deploy-tag-error');
		// The focus goes to the field at fault; no form-wide message.
		assert.equal(await p().evaluate(() => document.activeElement?.id), 'deploy-tag');
		assert.equal(await formAlert().count(), 0);
	});

	e2e("a tag that does not match the app's pattern is a 400 at the tag field too", async () => {
		await tagInput().fill('latest');
		const res = await deploy(stack.appId);
		assert.equal(res.status(), 400);
		await eventually(async () => assert.match((await tagError().textContent()) ?? '', /does not match the app's tag_pattern/));
	});

	e2e('a valid tag: the engine cannot be reached (502), said plainly, and nothing is deployed', async () => {
		await tagInput().fill('v1.2.0');
		await subdomainInput().fill('web-test');
		const res = await clickWithProgress(p(), `/api/apps/${stack.appId}/deploy`, deployButton, async (b) => {
			assert.equal((await b.textContent())?.trim(), 'Deploying…');
			assert.equal(await b.isDisabled(), true);
		});
		assert.equal(res.status(), 502);
		assert.deepEqual(res.request().postDataJSON(), { tag: 'v1.2.0', subdomain: 'web-test' });
		await formAlert().waitFor();
		const text = ((await formAlert().textContent()) ?? '').trim();
		assert.match(text, /^Could not deploy: the Docker Engine cannot be reached/);
		assert.match(text, /Nothing was changed; try again once the engine answers\.$/);
		// The tag is fine: no error at the field, and what was typed stays.
		assert.equal(await tagError().count(), 0);
		assert.equal(await tagInput().getAttribute('aria-invalid'), null);
		assert.equal(await tagInput().inputValue(), 'v1.2.0');
		assert.equal(await subdomainInput().inputValue(), 'web-test');
		assert.equal(await deployButton().isEnabled(), true);
		// No instance was made.
		assert.deepEqual(await apiOK('GET', '/api/instances'), []);
		await p().getByText('No instances yet.').waitFor();
		await banner().waitFor();
	});

	e2e('a bad tag after the 502 replaces the form-wide message with the field error', async () => {
		await tagInput().fill('no spaces');
		const res = await deploy(stack.appId);
		assert.equal(res.status(), 400);
		await tagError().waitFor();
		assert.equal(await formAlert().count(), 0);
	});

	e2e('the instance actions of the API answer 404 for an unknown instance, not a page', async () => {
		for (const action of ['start', 'stop', 'restart', 'redeploy', 'rollback']) {
			const res = await api('POST', `/api/instances/999/${action}`);
			assert.equal(res.status, 404, `${action}: ${res.text}`);
		}
		assert.equal((await api('GET', '/api/instances/999/logs?tail=200')).status, 404);
		assert.equal((await api('DELETE', '/api/instances/999')).status, 404);
	});

	e2e('at a phone width the navigation is a menu: its button opens and closes it, Escape and a click elsewhere close it, links work', async () => {
		const page = p();
		await page.setViewportSize({ width: 390, height: 844 });
		try {
			await page.goto('/instances');
			const menu = page.getByRole('button', { name: 'Menu', exact: true });
			const nav = page.getByRole('navigation', { name: 'Main' });
			await menu.waitFor();
			assert.equal(await menu.getAttribute('aria-expanded'), 'false');
			assert.equal(await menu.getAttribute('aria-controls'), 'main-nav');
			assert.equal(await nav.isVisible(), false);

			// Opened, the current page's entry takes the focus.
			await menu.click();
			assert.equal(await menu.getAttribute('aria-expanded'), 'true');
			await nav.waitFor();
			const labels = (await nav.getByRole('link').allTextContents()).map((t) => t.trim());
			assert.equal(labels[0], 'Dashboard');
			for (const l of ['Instances', 'Proxies', 'DNS', 'Settings']) assert.ok(labels.includes(l), `no ${l} in ${labels}`);
			assert.equal(await nav.getByRole('link', { name: 'Dashboard' }).getAttribute('href'), '/');
			assert.equal(await nav.getByRole('link', { name: 'Instances' }).getAttribute('aria-current'), 'page');
			await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Instances'));

			// Escape closes it and gives the focus back to the button; Enter opens it again.
			await page.keyboard.press('Escape');
			assert.equal(await menu.getAttribute('aria-expanded'), 'false');
			await nav.waitFor({ state: 'hidden' });
			assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-controls')), 'main-nav');
			await page.keyboard.press('Enter');
			await nav.waitFor();
			// The button closes it too.
			await menu.click();
			await nav.waitFor({ state: 'hidden' });

			// A link navigates, and the menu closes.
			await menu.click();
			await nav.getByRole('link', { name: 'Proxies' }).click();
			await page.waitForURL((u) => u.pathname === '/proxies');
			await page.getByRole('heading', { name: 'Proxies', level: 1 }).waitFor();
			assert.equal(await menu.getAttribute('aria-expanded'), 'false');
			assert.equal(await nav.isVisible(), false);

			// A click elsewhere closes it.
			await menu.click();
			await nav.waitFor();
			await page.getByRole('heading', { name: 'Proxies', level: 1 }).click();
			await nav.waitFor({ state: 'hidden' });
			assert.equal(await page.locator('header .brand').getAttribute('href'), '/');
		} finally {
			await page.setViewportSize({ width: 1280, height: 800 });
		}
		// Wide again: no menu button, the navigation always shown.
		await p().getByRole('button', { name: 'Menu', exact: true }).waitFor({ state: 'hidden' });
		await p().getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Proxies' }).waitFor();
	});

	e2e('at a phone width the keyboard goes skip link, menu button, brand, with a visible focus ring, never into the closed menu', async () => {
		const page = p();
		await page.setViewportSize({ width: 390, height: 844 });
		try {
			await page.goto('/proxies');
			await page.getByRole('heading', { name: 'Proxies', level: 1 }).waitFor();
			const focused = () =>
				page.evaluate(() => {
					const el = /** @type {HTMLElement} */ (document.activeElement);
					const s = getComputedStyle(el);
					const box = el.getBoundingClientRect();
					return {
						text: el.textContent?.trim() ?? '',
						inNav: !!el.closest('nav[aria-label="Main"]'),
						outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
						visible: box.width > 0 && box.height > 0 && box.top >= 0
					};
				});
			const stops = [];
			for (let i = 0; i < 6; i++) {
				await page.keyboard.press('Tab');
				stops.push(await focused());
			}
			assert.deepEqual(stops.slice(0, 3).map((s) => s.text), ['Skip to content', 'Menu', 'Docker Watcher']);
			for (const s of stops.slice(0, 3)) assert.ok(s.outline && s.visible, `no visible focus on ${JSON.stringify(s)}`);
			assert.ok(stops.every((s) => !s.inNav), `a link of the closed menu took the focus: ${JSON.stringify(stops)}`);

			// The skip link leads to the content.
			await page.goto('/proxies');
			await page.getByRole('heading', { name: 'Proxies', level: 1 }).waitFor();
			await page.keyboard.press('Tab');
			await page.keyboard.press('Enter');
			await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.id), 'main'));
		} finally {
			await page.setViewportSize({ width: 1280, height: 800 });
		}
	});

	e2e('the page had no uncaught errors', async () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
