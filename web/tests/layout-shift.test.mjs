// Browser test of "no layout jumps": every page of the UI, loaded afresh
// with real data (the Cloudflare emulator with managed records, a proxy,
// an app and a running instance on the real Docker Engine), keeps its
// cumulative layout shift (CLS, as chromium's Layout Instability API
// measures it) under 0.1, the bound web.dev calls good, while its data
// arrives; at desktop width and at a phone's.
//
//   make test-e2e                          (runs this file with the others)
//   DW_BINARY=$PWD/../bin/docker-watcher ../scripts/with-docker.sh node --test tests/layout-shift.test.mjs

import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { dnsTestStack, eventually, pushImage, screenshotOnFailure, testenvBinary } from './helpers.mjs';
import { removeContainers, testApp } from './deploy.mjs';

const zoneName = 'example.com';
const stack = dnsTestStack({ name: 'layout-shift', zones: [zoneName] });
const { p, apiOK } = stack;
const e2e = screenshotOnFailure(() => stack.page, stack.logs);
const repo = `dwtest/layout-shift-${Date.now()}`;
const containers = new Set();
const ids = { app: 0, instance: 0 };

/** The bound of a good CLS (web.dev/articles/cls). */
const GOOD_CLS = 0.1;

/**
 * Runs in the page before its own scripts: sums the layout shifts not
 * caused by input, and keeps which elements moved.
 */
function recordShifts() {
	const w = /** @type {any} */ (window);
	w.__dwShifts = { total: 0, moved: [] };
	new PerformanceObserver((list) => {
		for (const e of /** @type {any[]} */ (list.getEntries())) {
			if (e.hadRecentInput) continue;
			w.__dwShifts.total += e.value;
			for (const s of e.sources ?? []) {
				const n = s.node;
				const what = n?.nodeType === 1 ? n.tagName.toLowerCase() + (n.className ? '.' + String(n.className).split(' ')[0] : '') : String(n?.nodeName);
				w.__dwShifts.moved.push(`${what} ${e.value.toFixed(3)} y ${Math.round(s.previousRect.y)}→${Math.round(s.currentRect.y)} at ${Math.round(e.startTime)} ms`);
			}
		}
	}).observe({ type: 'layout-shift', buffered: true });
}

const shifts = () => p().evaluate(() => /** @type {any} */ (window).__dwShifts);

/**
 * Load `path` afresh, wait for `ready` (the page's real data) and a
 * second more, and give the page's CLS.
 */
async function clsOf(path, ready) {
	await p().goto(path);
	await ready(p()).waitFor({ timeout: 20_000 });
	await p().waitForTimeout(1000);
	return shifts();
}

const pages = () => [
	['/', (page) => page.locator('[data-tile="instances"] .value').getByText('1', { exact: true })],
	['/apps', (page) => page.getByRole('link', { name: 'web', exact: true })],
	[`/apps/${ids.app}`, (page) => page.getByRole('region', { name: 'Instances' }).getByText('web-v1', { exact: false }).first()],
	['/instances', (page) => page.getByText('running', { exact: true }).first()],
	[`/instances/${ids.instance}`, (page) => page.getByText('running', { exact: true }).first()],
	['/proxies', (page) => page.getByText('shift.example.com', { exact: true }).first()],
	['/dns', (page) => page.getByText('shift.example.com', { exact: true }).first()],
	['/settings', (page) => page.getByRole('combobox', { name: /Zone/ }).or(page.getByText(zoneName).first()).first()]
];

describe('no layout jumps', { concurrency: false }, () => {
	before(async () => {
		await stack.start();
		/** @type {NonNullable<typeof stack.gate>} */ (stack.gate).state.open = true;
		await stack.logIn('/');
		await apiOK('PUT', '/api/settings', stack.managedDNS(zoneName));
		await apiOK('POST', '/api/proxies', { domain: 'shift.example.com', forward_scheme: 'http', forward_host: '127.0.0.1', forward_port: 3000 });
		const { ref } = await pushImage(await testenvBinary(stack.tmpDir), { repo, tag: 'v1', version: 'shift-' + randomBytes(4).toString('hex') });
		ids.app = (await apiOK('POST', '/api/apps', testApp(ref.slice(0, ref.lastIndexOf(':'))))).id;
		ids.instance = (await apiOK('POST', `/api/apps/${ids.app}/deploy`, { tag: 'v1' })).id;
		await eventually(async () => {
			const inst = await apiOK('GET', `/api/instances/${ids.instance}`);
			if (inst.container_id) containers.add(inst.container_id);
			assert.equal(inst.status, 'running');
		}, 120_000);
		await apiOK('POST', '/api/dns/sync', {});
		await p().addInitScript(recordShifts);
	});

	after(async () => {
		if (ids.instance) await stack.api('DELETE', `/api/instances/${ids.instance}`).catch(() => {});
		await removeContainers(containers);
		await stack.stop();
	});

	e2e('the probe sees a jump: content pushed down after the load', async () => {
		const before = await clsOf('/proxies', pages()[5][1]);
		await p().evaluate(() => {
			const block = document.createElement('div');
			block.style.height = '400px';
			document.querySelector('main')?.prepend(block);
		});
		await p().waitForTimeout(500);
		const afterJump = await shifts();
		assert.ok(afterJump.total - before.total > GOOD_CLS, `an injected 400 px block moved the page by only ${afterJump.total - before.total}`);
	});

	for (const [width, height] of [
		[1280, 800],
		[390, 844]
	]) {
		e2e(`every page at ${width}px keeps its CLS under ${GOOD_CLS} while its data arrives`, async () => {
			await p().setViewportSize({ width, height });
			const bad = [];
			for (const [path, ready] of pages()) {
				const s = await clsOf(path, ready);
				if (s.total >= GOOD_CLS) bad.push(`${path}: CLS ${s.total.toFixed(3)} (${s.moved.join(', ')})`);
			}
			assert.deepEqual(bad, []);
		});
	}

	e2e('the pages threw no errors', () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
