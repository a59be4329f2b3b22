// Accessibility of every page, checked in a real browser: the real binary
// under a real Docker Engine and registry (make test-e2e runs the specs
// under scripts/with-docker.sh), the Cloudflare API emulator for managed
// DNS, and Debian's chromium driven by playwright-core, on real data: a
// running and a stopped instance of a pushed test image, an app whose
// registry does not answer, a failed deploy, proxies, synced records and
// one in conflict; then what actions show (a dry run, a sync report and
// its toast, a failed route check, a connection test, a new API token).
//
// axe-core (WCAG 2 A and AA, axe's best practices, and the duplicate-id
// rules) runs on each page in the light and the dark colour scheme, at a
// desktop and a phone width; a failure lists every violation with its
// rule, element and message. So does a form control whose border has
// less than 3:1 contrast with its surroundings (WCAG 1.4.11, which axe
// does not check). Beside axe: dark mode follows the system
// (the page's colours change with prefers-color-scheme), every tab stop
// of every page shows a focus indicator with 3:1 contrast, and a
// confirmation dialog takes the focus, keeps it and gives it back.
//
//   make test-e2e                          (runs this file with the others)
//   DW_BINARY=$PWD/../bin/docker-watcher ../scripts/with-docker.sh node --test tests/a11y.test.mjs
//
// The docker-watcher binary must have been built after `npm run build`,
// since it embeds web/build.

import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
	browserStack,
	cfClient,
	emulatorBinary,
	eventually,
	pushImage,
	screenshotOnFailure,
	startEmulator,
	stopProcess,
	testenvBinary
} from './helpers.mjs';
import { engine, removeContainers, testApp } from './deploy.mjs';
import { REQUIRED_RULES, formatViolations, pageColours, runAxe, weakControlBorders } from './a11y.mjs';

const token = 'cf-' + randomBytes(24).toString('hex');
const repo = `dwtest/a11y-${Date.now()}`;
const version = 'a11y-' + randomBytes(6).toString('hex');
const zone = 'example.com';

const shared = {
	cfBaseURL: '',
	zoneId: '',
	/** The pushed image, without its tag. */
	image: '',
	appId: 0,
	/** The running instance, and the stopped one. */
	instanceId: 0,
	stoppedId: 0,
	failedId: 0,
	/** Containers the deploys made, removed at the end whatever happens. */
	containers: /** @type {Set<string>} */ (new Set())
};

const stack = browserStack({
	name: 'a11y',
	async services(s, defer) {
		const testenv = await testenvBinary(s.tmpDir);
		const cf = await startEmulator(await emulatorBinary(s.tmpDir), { token, zones: [zone] });
		defer(() => stopProcess(cf.emulator.child));
		shared.cfBaseURL = cf.baseURL;
		shared.zoneId = /** @type {string} */ (cf.zoneIds.get(zone));
		const { ref } = await pushImage(testenv, { repo, tag: 'v1', version });
		shared.image = ref.slice(0, ref.lastIndexOf(':'));
		defer(() => removeContainers(shared.containers));
		return { env: { DW_CLOUDFLARE_API_URL: cf.baseURL }, logs: () => ({ 'a11y-cf-emulator.log': cf.emulator.log }) };
	}
});
const { p, api, apiOK } = stack;
const cf = cfClient(() => shared.cfBaseURL, token);
const e2e = screenshotOnFailure(() => stack.page, stack.logs);

const SCHEMES = /** @type {const} */ (['light', 'dark']);
const WIDTHS = [
	{ name: 'desktop', width: 1280, height: 800 },
	{ name: 'phone', width: 390, height: 844 }
];

/** The pages, each with what shows once its data is there. */
const PAGES = [
	{ path: '/', ready: () => p().getByRole('heading', { name: 'Dashboard', level: 1 }), text: zone },
	{ path: '/apps', ready: () => p().getByRole('heading', { name: 'Apps', level: 1 }), text: 'broken' },
	{ path: '/apps/new', ready: () => p().getByRole('heading', { name: 'Add an app', level: 1 }), text: 'Tag pattern' },
	{ path: () => `/apps/${shared.appId}`, label: 'an app page', ready: () => p().getByRole('heading', { name: 'web', level: 1 }), text: 'web-old.example.com' },
	{ path: () => `/apps/${shared.appId}/edit`, label: "an app's edit page", ready: () => p().getByRole('heading', { name: 'Edit web', level: 1 }), text: 'Tag pattern' },
	{ path: '/instances', ready: () => p().getByRole('heading', { name: 'Instances', level: 1 }), text: 'web-old.example.com' },
	{ path: () => `/instances/${shared.instanceId}`, label: 'an instance page', ready: () => p().getByRole('log'), text: 'web-v1.example.com' },
	{ path: '/proxies', ready: () => p().getByRole('heading', { name: 'Proxies', level: 1 }), text: 'shop.example.com' },
	{ path: '/dns', ready: () => p().getByRole('heading', { name: 'DNS', level: 1 }), text: 'taken.example.com' },
	{ path: '/settings', ready: () => p().getByRole('heading', { name: 'Settings', level: 1 }), text: 'Issued certificates' }
];
const pathOf = (/** @type {(typeof PAGES)[number]} */ pg) => (typeof pg.path === 'function' ? pg.path() : pg.path);
/** The page of PAGES with that path or label. */
const pageOf = (/** @type {string} */ key) => /** @type {(typeof PAGES)[number]} */ (PAGES.find((pg) => pg.path === key || pg.label === key));

/** Two frames: the layout after a change of viewport or colour scheme is done. */
const settle = (/** @type {import('playwright-core').Page} */ page) =>
	page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined)))));

/** Open a page and wait until its data is shown and nothing is loading any more. */
async function open(pg) {
	await p().goto(pathOf(pg));
	await pg.ready().waitFor();
	await p().locator('main').getByText(pg.text).first().waitFor();
	await eventually(async () => {
		assert.equal(await p().locator('main [aria-busy="true"]').count(), 0, 'something is still loading');
		assert.equal(await p().locator('main').getByText('Loading…', { exact: true }).count(), 0, 'something is still loading');
	});
}

/**
 * Run axe on `page` in both colour schemes at both widths; the violations
 * found, each with where (`label`, scheme, width). `prepare` runs after
 * each change of scheme and width (e.g. to open a menu).
 * @param {import('playwright-core').Page} page
 * @param {string} label
 * @param {{widths?: typeof WIDTHS, prepare?: () => Promise<unknown>}} [options]
 */
async function axeEverywhere(page, label, { widths = WIDTHS, prepare } = {}) {
	const found = [];
	try {
		for (const w of widths) {
			await page.setViewportSize({ width: w.width, height: w.height });
			for (const colorScheme of SCHEMES) {
				await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
				await settle(page);
				await prepare?.();
				const { violations, ran } = await runAxe(page);
				const missing = REQUIRED_RULES.filter((r) => !ran.includes(r));
				assert.deepEqual(missing, [], `axe did not run these rules on ${label}`);
				for (const v of [...violations, ...(await weakControlBorders(page))]) found.push({ ...v, where: `${label} ${colorScheme} ${w.name}` });
			}
		}
	} finally {
		await page.setViewportSize({ width: 1280, height: 800 });
		await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
	}
	return found;
}

/** Fail with the violations, one a line. */
function assertNoViolations(found) {
	assert.equal(found.length, 0, `${found.length} accessibility violations:\n${formatViolations(found)}`);
}

/** Wait until an instance is running; note its container for the safety net. */
async function untilRunning(id) {
	await eventually(async () => {
		const inst = await apiOK('GET', `/api/instances/${id}`);
		if (inst.container_id) shared.containers.add(inst.container_id);
		assert.equal(inst.status, 'running', inst.last_error);
	}, 120_000);
}

describe('accessibility of every page: axe in light and dark, desktop and phone; focus; dark mode; dialogs', { concurrency: false }, () => {
	before(() => stack.start(), { timeout: 600_000 });
	after(async () => {
		for (const id of [shared.instanceId, shared.stoppedId, shared.failedId]) if (id) await api('DELETE', `/api/instances/${id}`).catch(() => {});
		await stack.stop();
	}, { timeout: 120_000 });

	e2e('the login page, with a failed attempt shown, passes axe', async () => {
		const browser = /** @type {import('playwright-core').Browser} */ (stack.browser);
		const context = await browser.newContext({ baseURL: stack.baseURL });
		try {
			const page = await context.newPage();
			await page.goto('/login');
			await page.getByLabel('User name').fill('admin');
			await page.getByLabel('Password').fill('not the password');
			await page.getByRole('button', { name: 'Log in' }).click();
			await page.getByRole('alert').waitFor();
			assertNoViolations(await axeEverywhere(page, '/login'));
		} finally {
			await context.close();
		}
	});

	e2e('real data: managed DNS at the emulator, a running and a stopped instance, a broken app, proxies, a conflict', async () => {
		await stack.logIn('/');
		await apiOK('PUT', '/api/settings', {
			domain: zone,
			public_ipv4: '127.0.0.1',
			wildcard_dns: false,
			dns_provider: 'cloudflare',
			cloudflare_api_token: token,
			cloudflare_zone_id: shared.zoneId,
			cloudflare_zone_name: zone,
			dns_sync_interval_seconds: 86400
		});
		// A record made by hand, where a proxy wants one: a conflict.
		await cf('POST', `/zones/${shared.zoneId}/dns_records`, { type: 'A', name: `taken.${zone}`, content: '192.0.2.7', ttl: 1, proxied: false });

		const app = await apiOK('POST', '/api/apps', testApp(shared.image, { health_path: '/healthz' }));
		shared.appId = app.id;
		const running = await apiOK('POST', `/api/apps/${app.id}/deploy`, { tag: 'v1' });
		const old = await apiOK('POST', `/api/apps/${app.id}/deploy`, { tag: 'v1', subdomain: 'web-old' });
		// No such tag at the registry: the deploy fails, and its instance says why.
		const failed = await apiOK('POST', `/api/apps/${app.id}/deploy`, { tag: 'v9', subdomain: 'web-failed' });
		Object.assign(shared, { instanceId: running.id, stoppedId: old.id, failedId: failed.id });
		// Nothing listens on port 1: the registry check fails, and the app says so.
		const broken = await apiOK('POST', '/api/apps', testApp('127.0.0.1:1/team/broken', { name: 'broken', auto_deploy: true, poll_interval_seconds: 10 }));
		for (const domain of [`shop.${zone}`, `taken.${zone}`]) {
			await apiOK('POST', '/api/proxies', { domain, forward_scheme: 'http', forward_host: '127.0.0.1', forward_port: 9 });
		}

		await untilRunning(running.id);
		await untilRunning(old.id);
		await apiOK('POST', `/api/instances/${old.id}/stop`);
		await eventually(async () => assert.equal((await apiOK('GET', `/api/instances/${old.id}`)).status, 'stopped'), 60_000);
		await eventually(async () => assert.equal((await apiOK('GET', `/api/instances/${failed.id}`)).status, 'failed'), 60_000);
		const report = await apiOK('POST', '/api/dns/sync');
		assert.equal(report.conflicts, 1, JSON.stringify(report));
		assert.equal(report.errors, 0, JSON.stringify(report));
		await eventually(async () => assert.ok((await apiOK('GET', `/api/apps/${broken.id}`)).last_error, 'the registry check failed'), 60_000);
		for (const id of shared.containers) assert.equal(await engine('GET', `/containers/${id}/json`), 200);
	});

	for (const pg of PAGES) {
		e2e(`${pg.label ?? pg.path} passes axe in light and dark, at desktop and phone width`, async () => {
			await open(pg);
			assertNoViolations(await axeEverywhere(p(), pathOf(pg)));
		});
	}

	e2e('what actions show passes axe too: a dry run, a sync report and its toast, a failed route check, a connection test, a new API token', async () => {
		const found = [];

		await open(pageOf('/dns'));
		await p().getByRole('button', { name: 'Preview', exact: true }).click();
		await p().getByText(/^Dry run: /).first().waitFor();
		await p().getByRole('button', { name: 'Sync now', exact: true }).click();
		await p().locator('.toasts').getByText(/^Sync done: /).waitFor();
		found.push(...(await axeEverywhere(p(), '/dns after Preview and Sync now')));

		await open(pageOf('/proxies'));
		// Nothing listens on port 9: the check fails, and says why.
		await p().getByRole('button', { name: `Check the route of shop.${zone}`, exact: true }).click();
		await eventually(async () => assert.equal(await p().getByRole('button', { name: `Check the route of shop.${zone}` }).textContent(), 'Check'));
		found.push(...(await axeEverywhere(p(), '/proxies after a failed route check')));

		await open(pageOf('/settings'));
		const dnsForm = p().getByRole('form', { name: 'DNS settings' });
		await dnsForm.getByRole('button', { name: 'Test connection', exact: true }).click();
		await p().getByRole('status', { name: 'Connection test result' }).getByText(/checks passed/).waitFor();
		const tokenForm = p().getByRole('form', { name: 'Create API token' });
		await tokenForm.getByLabel('Token name', { exact: true }).fill('a11y');
		await tokenForm.getByRole('button', { name: 'Create token', exact: true }).click();
		await p().getByRole('button', { name: 'Copy', exact: true }).waitFor();
		found.push(...(await axeEverywhere(p(), '/settings after a connection test and a new token')));
		assertNoViolations(found);
	});

	e2e('the progress of long work passes axe: an issuance that failed (answers through page.route), the removal of records after a mode change', async () => {
		const found = [];
		const settings = pageOf('/settings');
		const cert = (state, extra = {}) => ({
			names: [`*.${zone}`], challenge: 'dns-01', issuer: '', not_before: null, not_after: null, state, last_error: '', renewal_at: null, last_attempt_at: null, ...extra
		});
		let answer = [cert('obtaining')];
		const isList = (/** @type {URL} */ u) => u.pathname === '/api/certificates';
		await p().route(isList, (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify({ enabled: true, certificates: answer }) }));
		try {
			await open(settings);
			const issuance = p().getByRole('region', { name: /^Obtaining a certificate/ });
			await issuance.waitFor();
			answer = [cert('error', { last_error: 'acme: urn:ietf:params:acme:error:dns: no TXT record found', last_attempt_at: '2026-12-02T10:00:00Z' })];
			await p().getByRole('region', { name: 'Issued certificates' }).getByRole('button', { name: 'Refresh', exact: true }).click();
			await p().locator('.toasts').getByRole('alert').filter({ hasText: 'Could not obtain the certificate' }).waitFor();
			await issuance.locator('li[data-state="failed"]').waitFor();
			found.push(...(await axeEverywhere(p(), '/settings with a failed issuance')));
		} finally {
			await p().unroute(isList);
		}

		await open(settings);
		const dnsForm = p().getByRole('form', { name: 'DNS settings' });
		await dnsForm.getByRole('radio', { name: 'Wildcard DNS' }).check();
		await dnsForm.getByRole('button', { name: 'Save', exact: true }).click();
		await p().getByRole('region', { name: new RegExp(`^Removing the records of ${zone.replace('.', '\\.')}`) }).waitFor();
		found.push(...(await axeEverywhere(p(), '/settings removing the records of the zone left')));
		await p().locator('.toasts').getByText(/^Removed the \d+ records Docker Watcher created in /).waitFor({ timeout: 20_000 });
		found.push(...(await axeEverywhere(p(), '/settings after the removal')));
		// Back to managed DNS, for the tests that follow.
		await dnsForm.getByRole('radio', { name: 'Managed records at a DNS provider' }).check();
		await dnsForm.getByRole('button', { name: 'Save', exact: true }).click();
		await p().locator('.toasts').getByText('DNS settings saved.').last().waitFor();
		assertNoViolations(found);
	});

	e2e('at phone width, the open navigation menu passes axe', async () => {
		await open(pageOf('/'));
		const menu = p().getByRole('button', { name: 'Menu', exact: true });
		const nav = p().getByRole('navigation', { name: 'Main' });
		const found = await axeEverywhere(p(), '/ with the menu open', {
			widths: [WIDTHS[1]],
			async prepare() {
				if ((await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
				await nav.waitFor();
			}
		});
		assertNoViolations(found);
	});

	e2e('dark mode follows the system: the colours change with prefers-color-scheme, light text on a dark background', async () => {
		await open(pageOf('/'));
		const seen = {};
		try {
			for (const scheme of SCHEMES) {
				await p().emulateMedia({ colorScheme: scheme });
				await settle(p());
				seen[scheme] = await pageColours(p());
			}
		} finally {
			await p().emulateMedia({ colorScheme: 'light' });
		}
		const { light, dark } = /** @type {Record<string, Awaited<ReturnType<typeof pageColours>>>} */ (seen);
		assert.notDeepEqual(light.bodyBackground, dark.bodyBackground, 'the background is the same in both schemes');
		assert.ok(light.bodyLuminance > 0.8 && light.textLuminance < 0.1, `light: dark text on a light background ${JSON.stringify(light)}`);
		assert.ok(dark.bodyLuminance < 0.05 && dark.textLuminance > 0.6, `dark: light text on a dark background ${JSON.stringify(dark)}`);
		for (const c of [light, dark]) assert.ok(c.textContrast >= 7, `body text contrast ${c.textContrast}`);
		// Form controls and scroll bars follow too.
		await p().emulateMedia({ colorScheme: 'dark' });
		try {
			assert.equal(await p().evaluate(() => getComputedStyle(document.documentElement).colorScheme), 'dark');
		} finally {
			await p().emulateMedia({ colorScheme: 'light' });
		}
	});

	e2e('every tab stop of every page shows a focus indicator of 3:1 or more, in both schemes', async () => {
		const problems = [];
		let stops = 0;
		for (const pg of PAGES) {
			for (const scheme of SCHEMES) {
				await p().emulateMedia({ colorScheme: scheme });
				// From the top of a freshly loaded page, once round its tab order.
				await open(pg);
				for (let i = 0; i < 150; i++) {
					await p().keyboard.press('Tab');
					const { focus } = await pageColours(p());
					if (!focus) continue;
					if (focus.again) break;
					stops++;
					const where = `${pathOf(pg)} ${scheme} #${i + 1} <${focus.tag}> "${focus.name}"`;
					if (!focus.outline && !focus.shadow) problems.push(`${where}: no outline or box-shadow`);
					else if (focus.ringContrast < 3) problems.push(`${where}: focus indicator contrast ${focus.ringContrast} < 3`);
					if (!focus.onScreen) problems.push(`${where}: not scrolled into view`);
				}
			}
		}
		await p().emulateMedia({ colorScheme: 'light' });
		assert.ok(stops > 100, `only ${stops} tab stops were seen`);
		assert.deepEqual(problems, []);
	});

	e2e('the confirmation dialog takes the focus, keeps it on Tab, passes axe, and gives the focus back on Escape', async () => {
		await open(pageOf('an instance page'));
		const opener = p().getByRole('button', { name: 'Remove web-v1.example.com', exact: true });
		const dialog = p().getByRole('alertdialog', { name: 'Remove instance?' });
		await opener.focus();
		await p().keyboard.press('Enter');
		await dialog.waitFor();
		const inDialog = () => p().evaluate(() => !!document.activeElement?.closest('dialog[open]'));
		await eventually(async () => assert.equal(await inDialog(), true, 'the focus went into the dialog'));
		const names = [];
		for (let i = 0; i < 6; i++) {
			await p().keyboard.press('Tab');
			// Tab goes round the dialog's buttons (the browser's own UI may take one stop: nothing of the page behind).
			const where = await p().evaluate(() => ({
				inDialog: !!document.activeElement?.closest('dialog[open]'),
				onPage: document.activeElement !== document.body && !document.activeElement?.closest('dialog[open]'),
				name: document.activeElement?.textContent?.trim() ?? ''
			}));
			assert.equal(where.onPage, false, `Tab left the dialog for "${where.name}"`);
			if (where.inDialog) names.push(where.name);
		}
		assert.ok(names.includes('Cancel') && names.includes('Remove'), `the tab stops in the dialog: ${names}`);
		assertNoViolations(await axeEverywhere(p(), 'the Remove dialog'));
		await p().keyboard.press('Escape');
		await dialog.waitFor({ state: 'hidden' });
		await eventually(async () => assert.equal(await opener.evaluate((el) => el === document.activeElement), true, 'the focus went back to Remove'));
		assert.equal((await apiOK('GET', `/api/instances/${shared.instanceId}`)).status, 'running', 'Escape removed nothing');
	});

	e2e('no uncaught errors in the page', async () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
