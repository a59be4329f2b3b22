// Shared pieces of the browser tests (tests/*.test.mjs): free ports, child
// processes stopped by pid, waiting, chromium, screenshots on failure.

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = path.resolve(webDir, '..');
export const resultsDir = path.join(webDir, 'test-results');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = /** @type {net.AddressInfo} */ (srv.address());
			srv.close(() => resolve(port));
		});
	});
}

/**
 * A child process whose output is collected in `log`.
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} [options]
 */
export function startProcess(command, args, options = {}) {
	const proc = {
		/** @type {import('node:child_process').ChildProcess} */
		child: spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options }),
		log: ''
	};
	proc.child.stdout?.on('data', (d) => (proc.log += d));
	proc.child.stderr?.on('data', (d) => (proc.log += d));
	proc.child.on('error', (err) => (proc.log += `spawn error: ${err}\n`));
	return proc;
}

/** Whether a child process has ended. */
export function exited(child) {
	return !child || child.exitCode !== null || child.signalCode !== null;
}

/** Stop a child process by its pid: SIGTERM, then SIGKILL after 5 s. */
export async function stopProcess(child) {
	if (!child || exited(child) || !child.pid) return;
	const done = new Promise((resolve) => child.once('exit', resolve));
	process.kill(child.pid, 'SIGTERM');
	const timer = setTimeout(() => {
		if (!exited(child)) process.kill(child.pid, 'SIGKILL');
	}, 5000);
	await done;
	clearTimeout(timer);
}

/** Wait until `url` answers 200; fails early when `proc` exits. */
export async function waitForHealthz(url, proc, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	let last = 'no answer';
	while (Date.now() < deadline) {
		if (exited(proc.child)) throw new Error(`server exited with ${proc.child.exitCode}:\n${proc.log}`);
		try {
			const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
			if (res.status === 200) return;
			last = `status ${res.status}`;
		} catch (err) {
			last = String(err);
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`GET ${url} did not answer 200 within ${timeoutMs} ms (${last}):\n${proc.log}`);
}

/**
 * Start `docker-watcher serve` on free 127.0.0.1 ports with the given extra
 * environment, wait until it is healthy and check it serves the built UI.
 * @returns {Promise<{server: ReturnType<typeof startProcess>, baseURL: string}>}
 */
export async function startDockerWatcher(binary, dataDir, env) {
	const [apiPort, proxyPort] = [await freePort(), await freePort()];
	const baseURL = `http://127.0.0.1:${apiPort}`;
	const server = startProcess(
		binary,
		['serve', '--listen', `127.0.0.1:${apiPort}`, '--proxy-listen', `127.0.0.1:${proxyPort}`, '--data', dataDir],
		{ env: { ...process.env, ...env } }
	);
	try {
		await waitForHealthz(`${baseURL}/healthz`, server, 20_000);
		const index = await (await fetch(baseURL + '/')).text();
		if (!/_app\/immutable/.test(index)) {
			throw new Error('the binary serves no built UI: run `npm run build`, then rebuild the binary');
		}
	} catch (err) {
		await stopProcess(server.child); // the caller never got it to stop
		throw err;
	}
	return { server, baseURL };
}

/**
 * Launch chromium and open one page on baseURL at 1280x800, collecting
 * uncaught page errors and Content-Security-Policy violations into
 * pageErrors.
 */
export async function openPage(baseURL, pageErrors) {
	const browser = await launchChromium();
	// A failure below would leave the browser running: close it first.
	try {
		return await newPage(browser, baseURL, pageErrors);
	} catch (err) {
		await browser.close().catch(() => {});
		throw err;
	}
}

async function newPage(browser, baseURL, pageErrors) {
	const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
	const page = await context.newPage();
	page.setDefaultTimeout(10_000);
	page.on('pageerror', (err) => pageErrors.push(err));
	// A Content-Security-Policy violation is an error too: the policy must
	// let the app do all it does.
	page.on('console', (msg) => {
		if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) pageErrors.push(new Error(msg.text()));
	});
	return { browser, page };
}

/**
 * Click a button whose API call (to `pathname`) is slowed down a little,
 * check the button's progress state while the call runs, and return the
 * call's response.
 * @param {import('playwright-core').Page} page
 * @param {string} pathname e.g. '/api/dns/sync'
 * @param {() => import('playwright-core').Locator} button
 * @param {(button: import('playwright-core').Locator) => Promise<void>} checkBusy assertions on the busy state
 */
export async function clickWithProgress(page, pathname, button, checkBusy) {
	const pattern = '**' + pathname;
	await page.route(pattern, async (route) => {
		await new Promise((r) => setTimeout(r, 400));
		await route.continue();
	});
	const [res] = await Promise.all([
		page.waitForResponse((r) => new URL(r.url()).pathname === pathname),
		(async () => {
			await button().click();
			await eventually(() => checkBusy(button()), 2000);
		})()
	]);
	await page.unroute(pattern);
	return res;
}

/** Retry an assertion until it passes or the time is up. */
export async function eventually(check, timeoutMs = 10_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			return await check();
		} catch (err) {
			if (Date.now() > deadline) throw err;
			await new Promise((r) => setTimeout(r, 100));
		}
	}
}

/** Debian's chromium, headless, without any network of its own. */
export function launchChromium() {
	return chromium.launch({
		executablePath: chromiumPath,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
	});
}

/**
 * A test that leaves a screenshot of `getPage()` and the given logs in
 * test-results/ when it fails.
 * @param {() => import('playwright-core').Page | undefined} getPage
 * @param {() => Record<string, string>} getLogs file name → content
 */
export function screenshotOnFailure(getPage, getLogs) {
	return (name, fn) =>
		test(name, async () => {
			try {
				await fn();
			} catch (err) {
				await mkdir(resultsDir, { recursive: true });
				const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
				await getPage()?.screenshot({ path: path.join(resultsDir, `${slug}.png`), fullPage: true }).catch(() => {});
				for (const [file, content] of Object.entries(getLogs())) {
					await writeFile(path.join(resultsDir, file), content).catch(() => {});
				}
				throw err;
			}
		});
}

/**
 * The Cloudflare API emulator's binary: CF_EMULATOR_BINARY, or built from
 * ./cmd/cf-emulator into `dir`.
 */
export async function emulatorBinary(dir) {
	if (process.env.CF_EMULATOR_BINARY) {
		const bin = path.resolve(process.env.CF_EMULATOR_BINARY);
		if (!existsSync(bin)) throw new Error(`CF_EMULATOR_BINARY=${bin} does not exist`);
		return bin;
	}
	const bin = path.join(dir, 'cf-emulator');
	try {
		await promisify(execFile)('go', ['build', '-o', bin, './cmd/cf-emulator'], { cwd: repoDir, timeout: 300_000 });
	} catch (err) {
		throw new Error(`could not build the Cloudflare API emulator (set CF_EMULATOR_BINARY to skip building): ${err}`);
	}
	return bin;
}

/**
 * Start the emulator on a free port with one token (DNS edit on every zone),
 * the given zones and no rate limit, and read its base URL and zone ids from
 * what it prints.
 * @param {string} bin
 * @param {{token: string, zones: string[]}} options
 * @returns {Promise<{emulator: ReturnType<typeof startProcess>, baseURL: string, zoneIds: Map<string, string>}>}
 */
export async function startEmulator(bin, { token, zones }) {
	const emulator = startProcess(bin, [
		'--listen', '127.0.0.1:0',
		'--token', token,
		...zones.flatMap((z) => ['--zone', z]),
		'--rate-limit', '0'
	]);
	const deadline = Date.now() + 15_000;
	while (Date.now() < deadline) {
		if (exited(emulator.child)) throw new Error(`cf-emulator exited with ${emulator.child.exitCode}:\n${emulator.log}`);
		const base = /^base URL:\s*(\S+)/m.exec(emulator.log);
		const found = [...emulator.log.matchAll(/^zone:\s+([0-9a-f]{32})\s+(\S+)/gm)];
		if (base && found.length === zones.length) {
			return { emulator, baseURL: base[1], zoneIds: new Map(found.map(([, id, name]) => [name, id])) };
		}
		await new Promise((r) => setTimeout(r, 50));
	}
	await stopProcess(emulator.child);
	throw new Error(`cf-emulator printed no base URL and zones within 15 s:\n${emulator.log}`);
}
