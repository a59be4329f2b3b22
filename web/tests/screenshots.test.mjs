// The screenshots of the README (docs/screenshots/*.png), taken of real
// data: the real binary under a real Docker Engine and registry (make
// test-e2e runs the specs under scripts/with-docker.sh), the Cloudflare
// API emulator as the DNS provider, and Debian's chromium driven by
// playwright-core. An app of the test image (`testenv image`, pushed to
// DW_TEST_REGISTRY) runs two tags, two standalone proxies route their
// domains, the zone holds records made by hand (one at a name a proxy
// wants: a conflict, left as it is), a sync is done from the DNS page and
// requests through the built-in proxy fill the instance's log.
//
// Each page is shot once what it shows is there (and, for a shot of the
// viewport, inside it): the dashboard (light and dark), the app with its
// instances, the instance's page with its logs, the DNS page, the settings
// (general, and DNS). Each PNG is checked: its width and height (IHDR), its
// weight, and its decoded pixels (not blank). The names and versions are
// fixed so that a new run changes little (ports, times and container ids
// still change).
//
//   make test-e2e                          (runs this file with the others)
//   DW_BINARY=$PWD/../bin/docker-watcher ../scripts/with-docker.sh node --test tests/screenshots.test.mjs
//
// The docker-watcher binary must have been built after `npm run build`,
// since it embeds web/build. The PNGs are overwritten at every run: commit
// them when the UI changed.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
	browserStack,
	cfClient,
	emulatorBinary,
	eventually,
	pushImage,
	repoDir,
	screenshotOnFailure,
	startEmulator,
	stopProcess,
	testenvBinary
} from './helpers.mjs';
import { getThroughProxy, removeContainers, testApp } from './deploy.mjs';

const shotsDir = path.join(repoDir, 'docs', 'screenshots');
const viewport = { width: 1280, height: 800 };
/** The most a PNG may weigh, so that the README stays light. */
const maxBytes = 300 * 1024;

const zone = 'example.com';
const token = 'cf-' + randomBytes(24).toString('hex');
// Fixed names and versions: the shots change little from run to run.
const repo = 'dwtest/shop';
const versions = { v1: '1.4.0', v2: '1.5.0' };

const shared = {
	/** The pushed repository, as the app's image. */
	image: '',
	cfBaseURL: '',
	zoneId: '',
	appId: 0,
	/** The instances by tag. */
	instances: /** @type {Record<string, {id: number, fqdn: string}>} */ ({}),
	/** Containers the deploys made, removed at the end whatever happens. */
	containers: /** @type {Set<string>} */ (new Set())
};

const stack = browserStack({
	name: 'screenshots',
	async services(s, defer) {
		const testenv = await testenvBinary(s.tmpDir);
		const cf = await startEmulator(await emulatorBinary(s.tmpDir), { token, zones: [zone] });
		defer(() => stopProcess(cf.emulator.child));
		shared.cfBaseURL = cf.baseURL;
		shared.zoneId = /** @type {string} */ (cf.zoneIds.get(zone));
		for (const [tag, version] of Object.entries(versions)) {
			const { ref } = await pushImage(testenv, { repo, tag, version });
			shared.image = ref.slice(0, ref.lastIndexOf(':'));
		}
		defer(() => removeContainers(shared.containers));
		return {
			env: { DW_CLOUDFLARE_API_URL: cf.baseURL },
			logs: () => ({ 'screenshots-cf-emulator.log': cf.emulator.log })
		};
	}
});
const { p, api, apiOK } = stack;
const cf = cfClient(() => shared.cfBaseURL, token);
const e2e = screenshotOnFailure(() => stack.page, stack.logs);

const text = async (locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
const nav = (name) => p().getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

/** Open a page by a click in the navigation, as a user does (no reload: the dashboard's recent events stay). */
async function navigate(name, pathname) {
	await nav(name).click();
	await p().waitForURL((u) => u.pathname === pathname);
}

/**
 * What a PNG holds: its size from the IHDR chunk, and its pixels decoded
 * (8-bit RGB or RGBA, not interlaced: what chromium writes), to tell a
 * blank shot from a real one.
 * @param {Buffer} png
 */
function decodePNG(png) {
	assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'not a PNG signature');
	/** @type {Buffer[]} */
	const data = [];
	let header;
	for (let at = 8; at < png.length; ) {
		const length = png.readUInt32BE(at);
		const type = png.toString('latin1', at + 4, at + 8);
		const body = png.subarray(at + 8, at + 8 + length);
		if (type === 'IHDR') {
			header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8], colorType: body[9], interlace: body[12] };
		}
		if (type === 'IDAT') data.push(body);
		if (type === 'IEND') break;
		at += 12 + length;
	}
	assert.ok(header, 'no IHDR chunk');
	const { width, height, depth, colorType, interlace } = header;
	assert.equal(depth, 8, 'bit depth');
	assert.equal(interlace, 0, 'interlaced');
	const channels = { 2: 3, 6: 4 }[colorType];
	assert.ok(channels, `colour type ${colorType}`);
	const raw = inflateSync(Buffer.concat(data));
	const stride = width * channels;
	assert.equal(raw.length, height * (stride + 1), 'the pixel data does not fill the image');
	// Undo each row's filter (PNG spec, 9.2) in place, into `pixels`.
	const pixels = Buffer.alloc(height * stride);
	for (let y = 0; y < height; y++) {
		const filter = raw[y * (stride + 1)];
		const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
		const out = pixels.subarray(y * stride, (y + 1) * stride);
		const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
		for (let x = 0; x < stride; x++) {
			const a = x >= channels ? out[x - channels] : 0;
			const b = prev[x];
			const c = x >= channels ? prev[x - channels] : 0;
			let pred = 0;
			if (filter === 1) pred = a;
			else if (filter === 2) pred = b;
			else if (filter === 3) pred = (a + b) >> 1;
			else if (filter === 4) {
				const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
				pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
			} else assert.equal(filter, 0, `filter ${filter} in row ${y}`);
			out[x] = (row[x] + pred) & 0xff;
		}
	}
	return { width, height, channels, pixels };
}

/** How many colours the image has, and the commonest one (r, g, b) and its share. */
function colours({ channels, pixels }) {
	const counts = new Map();
	for (let i = 0; i < pixels.length; i += channels) {
		const key = pixels.readUIntBE(i, 3);
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	let [topKey, topCount] = [0, 0];
	for (const [key, count] of counts) if (count > topCount) [topKey, topCount] = [key, count];
	return { distinct: counts.size, topShare: topCount / (pixels.length / channels), top: [topKey >> 16, (topKey >> 8) & 0xff, topKey & 0xff] };
}

/**
 * Shoot the page into docs/screenshots/`name`.png, then check the file: a
 * PNG of the viewport's size (its width and the page's height with
 * `fullPage`), not too heavy, and not blank. Toasts are dismissed first;
 * each of `shows` must be visible, and without `fullPage` inside the
 * viewport: the picture shows it.
 * @param {string} name
 * @param {{fullPage?: boolean, shows: import('playwright-core').Locator[]}} options
 */
async function shoot(name, { fullPage = false, shows }) {
	const dismiss = p().locator('.toasts').getByRole('button', { name: 'Dismiss message' });
	while ((await dismiss.count()) > 0) await dismiss.first().click();
	assert.ok(shows.length > 0, 'what the shot shows');
	for (const locator of shows) {
		await locator.waitFor({ state: 'visible' });
		if (fullPage) continue;
		const box = await locator.boundingBox();
		assert.ok(box && box.y >= 0 && box.y + box.height <= viewport.height && box.x + box.width <= viewport.width, `${name}.png: ${locator} is outside the viewport (${JSON.stringify(box)})`);
	}
	await p().evaluate(() => document.fonts.ready);
	await mkdir(shotsDir, { recursive: true });
	const file = path.join(shotsDir, `${name}.png`);
	const height = fullPage ? await p().evaluate(() => document.documentElement.scrollHeight) : viewport.height;
	// Nothing moves, and the caret is not in the picture.
	await p().screenshot({ path: file, fullPage, animations: 'disabled', caret: 'hide', scale: 'css' });
	const png = await readFile(file);
	assert.ok(png.length <= maxBytes, `${name}.png weighs ${png.length} bytes, more than ${maxBytes}`);
	assert.ok(png.length > 20 * 1024, `${name}.png weighs only ${png.length} bytes: is it blank?`);
	const image = decodePNG(png);
	assert.deepEqual([image.width, image.height], [viewport.width, height], `${name}.png's size`);
	const { distinct, topShare, top } = colours(image);
	assert.ok(distinct > 50, `${name}.png has only ${distinct} colours`);
	assert.ok(topShare < 0.95, `${name}.png is ${Math.round(topShare * 100)} % one colour`);
	return { bytes: png.length, top };
}

/** Wait until every instance runs, and note its container for the safety net. */
async function waitRunning() {
	for (const inst of Object.values(shared.instances)) {
		await eventually(async () => {
			const got = await apiOK('GET', `/api/instances/${inst.id}`);
			if (got.container_id) shared.containers.add(got.container_id);
			assert.equal(got.status, 'running', `${inst.fqdn}: ${got.status} ${got.last_error ?? ''}`);
		}, 180_000);
	}
}

describe('screenshots of real data for the README', { concurrency: false }, () => {
	before(() => stack.start(), { timeout: 600_000 });
	after(async () => {
		// Remove what the deploys made through the API while it runs; the
		// safety net removes the containers if that failed.
		for (const inst of Object.values(shared.instances)) await api('DELETE', `/api/instances/${inst.id}`).catch(() => {});
		await stack.stop();
	}, { timeout: 120_000 });

	e2e('set up: managed DNS at Cloudflare, records made by hand, an app with two tags running, two standalone proxies', async () => {
		// The dashboard stays open meanwhile: its recent events are those it hears.
		assert.deepEqual(p().viewportSize(), viewport);
		await stack.logIn('/');
		await p().getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();

		// The zone's own records, made by hand: Docker Watcher never touches them.
		const foreign = [
			{ type: 'A', name: zone, content: '198.51.100.20' },
			{ type: 'A', name: `mail.${zone}`, content: '198.51.100.25' },
			{ type: 'MX', name: zone, content: `mail.${zone}`, priority: 10 },
			{ type: 'TXT', name: zone, content: 'v=spf1 mx -all' },
			// A name a standalone proxy asks for below: a conflict, left alone.
			{ type: 'A', name: `status.${zone}`, content: '198.51.100.30' }
		];
		for (const r of foreign) await cf('POST', `/zones/${shared.zoneId}/dns_records`, { ttl: 1, proxied: false, ...r });

		await apiOK('PUT', '/api/settings', {
			domain: zone,
			public_ipv4: '203.0.113.10',
			wildcard_dns: false,
			dns_provider: 'cloudflare',
			cloudflare_api_token: token,
			cloudflare_zone_id: shared.zoneId,
			cloudflare_zone_name: zone,
			dns_sync_interval_seconds: 3600
		});

		const app = await apiOK('POST', '/api/apps', testApp(shared.image, { name: 'shop', health_path: '/healthz' }));
		shared.appId = app.id;
		for (const [tag, subdomain] of [['v1', undefined], ['v2', 'shop']]) {
			const inst = await apiOK('POST', `/api/apps/${app.id}/deploy`, { tag, subdomain });
			shared.instances[tag] = { id: inst.id, fqdn: inst.fqdn };
		}
		await waitRunning();
		// The proxies last: the dashboard's recent events then show more than the deploys' steps.
		for (const domain of [`blog.${zone}`, `status.${zone}`]) {
			await apiOK('POST', '/api/proxies', { domain, forward_scheme: 'http', forward_host: '127.0.0.1', forward_port: 3000 });
		}
		assert.deepEqual(Object.values(shared.instances).map((i) => i.fqdn), [`shop-v1.${zone}`, `shop.${zone}`]);
	});

	e2e('dns.png: a sync from the DNS page, its report, the records synced and the hand-made one in conflict', async () => {
		await navigate('DNS', '/dns');
		const table = p().getByRole('table', { name: /^DNS records/ });
		const state = (fqdn) => text(table.getByRole('row').filter({ has: p().getByRole('rowheader', { name: fqdn, exact: true }) }).locator('td[data-label="State"] .badge'));
		const settled = async () => {
			for (const fqdn of [`shop-v1.${zone}`, `shop.${zone}`, `blog.${zone}`]) assert.equal(await state(fqdn), 'Synced', fqdn);
			assert.equal(await state(`status.${zone}`), 'Conflict');
		};
		// The syncs the changes started made the records (the page follows them live) …
		await eventually(settled, 30_000);
		// … so Sync now finds them in sync.
		await p().getByRole('button', { name: 'Sync now' }).click();
		const report = p().getByRole('region', { name: 'Sync report' });
		await report.waitFor({ timeout: 30_000 });
		assert.match(await text(report), /Sync done: 0 created, 0 updated, 0 deleted, 3 in sync, 1 conflict, 0 errors/);
		await eventually(settled);
		// The hand-made records are as they were.
		const status = await cf('GET', `/zones/${shared.zoneId}/dns_records?name=status.${zone}`);
		assert.deepEqual(status.map((/** @type {any} */ r) => r.content), ['198.51.100.30']);
		const names = [`blog.${zone}`, `shop-v1.${zone}`, `shop.${zone}`, `status.${zone}`];
		await shoot('dns', { fullPage: true, shows: [report, ...names.map((n) => table.getByRole('rowheader', { name: n, exact: true }))] });
	});

	e2e('requests through the built-in proxy: the test server logs them', async () => {
		const { fqdn } = shared.instances.v2;
		// A visitor's walk through a shop; the server answers / (the others are 404s) and logs each.
		const walk = ['/', '/products', '/products?category=shoes', '/products/42', '/products/42/reviews', '/cart',
			'/cart/add?product=42', '/checkout', '/checkout/shipping', '/checkout/payment', '/orders/1001', '/', '/account',
			'/products?category=bags', '/products/17', '/cart', '/checkout', '/orders/1002', '/?utm_source=newsletter', '/'];
		for (const pathname of walk) {
			assert.ok([200, 404].includes(await getThroughProxy(stack.proxyPort, fqdn, pathname)), pathname);
		}
	});

	e2e('dashboard.png: the counts, managed DNS and its last sync, the health checks, the recent events', async () => {
		await navigate('Dashboard', '/');
		const tileValue = async (id) => text(p().locator(`[data-tile="${id}"] .value`));
		await eventually(async () => {
			assert.deepEqual([await tileValue('apps'), await tileValue('instances'), await tileValue('proxies')], ['1', '2', '2']);
		});
		const dnsCard = p().getByRole('region', { name: 'DNS', exact: true });
		await eventually(async () => assert.match(await text(dnsCard.locator('[data-fact="last-sync"]')), /1 conflict/));
		assert.match(await text(p().locator('[data-check="engine"]')), /Reachable/);
		assert.match(await text(p().locator('[data-check="dns"]')), /Reachable/);
		const recent = p().getByRole('region', { name: 'Recent events' });
		await shoot('dashboard', {
			fullPage: true,
			shows: [p().locator('[data-tile="instances"]'), dnsCard, recent.getByRole('link', { name: 'DNS synced' }).first(), recent.getByRole('link', { name: /^Proxy \d+ changed$/ }).first()]
		});
	});

	e2e('app.png: the app with its two instances running', async () => {
		await navigate('Apps', '/apps');
		await p().getByRole('link', { name: 'shop', exact: true }).click();
		await p().waitForURL((u) => u.pathname === `/apps/${shared.appId}`);
		const instances = p().getByRole('region', { name: 'Instances' });
		const rows = ['shop-v1', 'shop'].map((sub) =>
			instances.locator('tbody tr').filter({ has: p().locator('td[data-label="Subdomain"]').getByText(sub, { exact: true }) })
		);
		for (const row of rows) await eventually(async () => assert.equal(await text(row.locator('td[data-label="Status"] .badge')), 'running'));
		await shoot('app', { shows: [p().getByRole('form', { name: 'Deploy a tag' }), ...rows] });
	});

	e2e("instance-logs.png: an instance's page with its logs followed", async () => {
		const { id, fqdn } = shared.instances.v2;
		await navigate('Instances', '/instances');
		await p().getByRole('link', { name: `Details of ${fqdn}`, exact: true }).click();
		await p().waitForURL((u) => u.pathname === `/instances/${id}`);
		const log = p().getByRole('log', { name: `Logs of ${fqdn}` });
		await eventually(async () => assert.match(await text(p().locator('.log-status')), /^Following/));
		await eventually(async () => {
			const lines = await text(log);
			assert.match(lines, /testserver: tag "v2" version "1\.5\.0" listening/);
			assert.match(lines, /GET \/\?utm_source=newsletter host shop\.example\.com/);
		});
		await shoot('instance-logs', {
			fullPage: true,
			shows: [p().locator('dl.details'), log.getByText(`GET /?utm_source=newsletter host ${fqdn}`)]
		});
	});

	e2e('settings.png and settings-dns.png: the general settings, and DNS managed at Cloudflare', async () => {
		await navigate('Settings', '/settings');
		await eventually(async () => assert.equal(await p().getByLabel('Domain', { exact: true }).inputValue(), zone));
		assert.equal(await p().getByLabel('Public IPv4', { exact: true }).inputValue(), '203.0.113.10');
		await shoot('settings', { shows: [p().getByLabel('Domain', { exact: true }), p().getByLabel('Public IPv4', { exact: true })] });

		const dns = p().getByRole('form', { name: 'DNS settings' });
		await eventually(async () => assert.equal(await dns.getByLabel('Zone', { exact: true }).locator('option:checked').textContent(), zone));
		assert.equal(await dns.getByRole('radio', { name: /^Managed records/ }).isChecked(), true);
		// The card's top just under the sticky header.
		await p().evaluate(() => {
			const card = /** @type {HTMLElement} */ (document.getElementById('dns'));
			const header = document.querySelector('header')?.getBoundingClientRect().height ?? 0;
			window.scrollTo(0, window.scrollY + card.getBoundingClientRect().top - header - 24);
		});
		await shoot('settings-dns', {
			shows: [dns.getByRole('radio', { name: /^Managed records/ }), dns.getByLabel('Zone', { exact: true }), dns.getByText('Stored', { exact: true })]
		});
	});

	e2e('dashboard-dark.png: the dashboard in dark mode, as the system asks', async () => {
		await navigate('Dashboard', '/');
		await p().emulateMedia({ colorScheme: 'dark' });
		try {
			await eventually(async () => assert.equal(await text(p().locator('[data-tile="instances"] .value')), '2'));
			const { top } = await shoot('dashboard-dark', { fullPage: true, shows: [p().locator('[data-tile="instances"]')] });
			// Mostly a dark background.
			assert.ok(top.reduce((a, b) => a + b, 0) / 3 < 64, `the commonest colour is rgb(${top.join(', ')})`);
		} finally {
			await p().emulateMedia({ colorScheme: 'light' });
		}
	});

	e2e('the pages threw no errors', () => {
		assert.deepEqual(stack.pageErrors.map(String), []);
	});
});
