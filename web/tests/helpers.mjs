// Shared pieces of the browser tests (tests/*.test.mjs): free ports, child
// processes stopped by pid, waiting, chromium, screenshots on failure, the
// emulators, Pebble and HTTPS in chromium.

import { execFile, spawn } from 'node:child_process';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = path.resolve(webDir, '..');
export const resultsDir = path.join(webDir, 'test-results');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Ports freePort gave out in this process: never twice. */
const givenPorts = new Set();

/**
 * A port that was free a moment ago on 127.0.0.1, for a process started
 * later. It is drawn below Linux's ephemeral range (32768 and up), from
 * which the kernel takes the local ports of every outgoing connection and
 * of every listen on port 0: a port picked there and closed again can be
 * taken by any busy process before the one told it binds it.
 */
export async function freePort() {
	for (let attempt = 0; attempt < 100; attempt++) {
		const port = 20000 + Math.floor(Math.random() * 12000);
		if (givenPorts.has(port)) continue;
		const free = await new Promise((resolve) => {
			const srv = net.createServer();
			srv.unref();
			srv.once('error', () => resolve(false));
			srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
		});
		if (free) {
			givenPorts.add(port);
			return port;
		}
	}
	throw new Error('no free port on 127.0.0.1 between 20000 and 32000');
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
 * Start `docker-watcher serve` on 127.0.0.1 with the given extra
 * environment, wait until it is healthy and check it serves the built UI.
 * The ports not given are free ones.
 * @param {string} binary
 * @param {string} dataDir
 * @param {Record<string, string>} env
 * @param {{apiPort?: number, proxyPort?: number, tlsPort?: number}} [ports]
 * @returns {Promise<{server: ReturnType<typeof startProcess>, baseURL: string, proxyPort: number, tlsPort: number}>}
 */
export async function startDockerWatcher(binary, dataDir, env, ports = {}) {
	const apiPort = ports.apiPort ?? (await freePort());
	const proxyPort = ports.proxyPort ?? (await freePort());
	const tlsPort = ports.tlsPort ?? (await freePort());
	const baseURL = `http://127.0.0.1:${apiPort}`;
	const server = startProcess(
		binary,
		['serve', '--listen', `127.0.0.1:${apiPort}`, '--proxy-listen', `127.0.0.1:${proxyPort}`,
			'--proxy-tls-listen', `127.0.0.1:${tlsPort}`, '--data', dataDir],
		// ACME off unless a test asks for it (with its own CA): no test may
		// reach Let's Encrypt, the default CA.
		{ env: { ...process.env, DW_ACME: 'off', ...env } }
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
	return { server, baseURL, proxyPort, tlsPort };
}

/**
 * Launch chromium (with `args` beside launchChromium's) and open one page
 * on baseURL at 1280x800, collecting uncaught page errors and
 * Content-Security-Policy violations into pageErrors.
 * @param {string} baseURL
 * @param {Error[]} pageErrors
 * @param {string[]} [args]
 */
export async function openPage(baseURL, pageErrors, args = []) {
	const browser = await launchChromium(args);
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

/**
 * Note every value `attribute` of the first element matching `selector`
 * takes from now on (each change once, in order), also across re-renders;
 * the returned function reads them. A page shows long work's state this
 * way (data-state), and a test checks it was seen under way, not only at
 * its end.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {string} attribute
 * @returns {Promise<() => Promise<string[]>>}
 */
export async function recordAttribute(page, selector, attribute) {
	const key = `__recorded_${Math.random().toString(36).slice(2)}`;
	await page.evaluate(
		({ key, selector, attribute }) => {
			const seen = /** @type {string[]} */ ([]);
			Object.assign(window, { [key]: seen });
			new MutationObserver(() => {
				const value = document.querySelector(selector)?.getAttribute(attribute);
				if (value && seen.at(-1) !== value) seen.push(value);
			}).observe(document.body, { subtree: true, childList: true, attributes: true });
		},
		{ key, selector, attribute }
	);
	return () => page.evaluate((k) => /** @type {any} */ (window)[k], key);
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

/**
 * Debian's chromium, headless, without any network of its own; `args` are
 * more command-line switches.
 * @param {string[]} [args]
 */
export function launchChromium(args = []) {
	return chromium.launch({
		executablePath: chromiumPath,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...args]
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
 * A command of the repository: the binary `envVar` names, or built from
 * `pkg` (default ./cmd/`name`) into `dir`.
 */
async function repoCommand(dir, name, envVar, what, pkg = `./cmd/${name}`) {
	if (process.env[envVar]) {
		const bin = path.resolve(process.env[envVar]);
		if (!existsSync(bin)) throw new Error(`${envVar}=${bin} does not exist`);
		return bin;
	}
	const bin = path.join(dir, name);
	try {
		await promisify(execFile)('go', ['build', '-o', bin, pkg], { cwd: repoDir, timeout: 300_000 });
	} catch (err) {
		throw new Error(`could not build ${what} (set ${envVar} to skip building): ${err}`);
	}
	return bin;
}

/** The Cloudflare API emulator's binary: CF_EMULATOR_BINARY, or built from ./cmd/cf-emulator into `dir`. */
export const emulatorBinary = (dir) => repoCommand(dir, 'cf-emulator', 'CF_EMULATOR_BINARY', 'the Cloudflare API emulator');

/**
 * The test-support program that starts Pebble and pushes test images
 * (internal/testtools/testenv, on the Go tests' own helpers):
 * TESTENV_BINARY, or built into `dir`.
 */
export const testenvBinary = (dir) =>
	repoCommand(dir, 'testenv', 'TESTENV_BINARY', 'the test-support program testenv', './internal/testtools/testenv');

/** Nginx Proxy Manager's API emulator: NPM_EMULATOR_BINARY, or built from ./cmd/npm-emulator into `dir`. */
export const npmEmulatorBinary = (dir) =>
	repoCommand(dir, 'npm-emulator', 'NPM_EMULATOR_BINARY', "Nginx Proxy Manager's API emulator");

/**
 * Wait until `parse` finds what `proc` was started to print in its output
 * (`proc.log`) and return it; when it exits first or prints nothing of the
 * sort within `timeoutMs`, stop it and fail with its output.
 * @template T
 * @param {ReturnType<typeof startProcess>} proc
 * @param {string} what e.g. "npm-emulator printed no base URL"
 * @param {(log: string) => T | undefined} parse
 */
async function waitForOutput(proc, what, parse, timeoutMs = 15_000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (exited(proc.child)) throw new Error(`${what}: it exited with ${proc.child.exitCode}:\n${proc.log}`);
		const found = parse(proc.log);
		if (found !== undefined) return found;
		await new Promise((r) => setTimeout(r, 50));
	}
	await stopProcess(proc.child);
	throw new Error(`${what} within ${timeoutMs / 1000} s:\n${proc.log}`);
}

/**
 * Start the NPM emulator on a free port with one admin user and read its
 * base URL (ending in /api) from what it prints.
 * @param {string} bin
 * @param {{email: string, password: string}} user
 * @returns {Promise<{emulator: ReturnType<typeof startProcess>, baseURL: string}>}
 */
export async function startNpmEmulator(bin, { email, password }) {
	const emulator = startProcess(bin, ['--listen', '127.0.0.1:0', '--email', email, '--password', password]);
	const baseURL = await waitForOutput(emulator, 'npm-emulator printed no base URL', (log) => /^base URL:\s*(\S+)/m.exec(log)?.[1]);
	return { emulator, baseURL };
}

/**
 * Start the emulator on a free port with one token (DNS edit on every zone),
 * the given zones and no rate limit, and read its base URL and zone ids from
 * what it prints. With `dns`, it also answers DNS for its zones (UDP and
 * TCP) on a free 127.0.0.1 port: `dnsAddr`, host:port.
 * @param {string} bin
 * @param {{token: string, zones: string[], dns?: boolean}} options
 * @returns {Promise<{emulator: ReturnType<typeof startProcess>, baseURL: string, zoneIds: Map<string, string>, dnsAddr: string}>}
 */
export async function startEmulator(bin, { token, zones, dns = false }) {
	const emulator = startProcess(bin, [
		'--listen', '127.0.0.1:0',
		...(dns ? ['--dns-listen', '127.0.0.1:0'] : []),
		'--token', token,
		...zones.flatMap((z) => ['--zone', z]),
		'--rate-limit', '0'
	]);
	// The zones come last of what it prints.
	return waitForOutput(emulator, `cf-emulator printed no base URL${dns ? ', DNS address' : ''} and zones`, (log) => {
		const base = /^base URL:\s*(\S+)/m.exec(log);
		const dnsAddr = /^dns:\s+(\S+) \(udp and tcp\)/m.exec(log)?.[1] ?? '';
		const found = [...log.matchAll(/^zone:\s+([0-9a-f]{32})\s+(\S+)/gm)];
		if (!base || found.length !== zones.length || (dns && !dnsAddr)) return undefined;
		return { emulator, baseURL: base[1], zoneIds: new Map(found.map(([, id, name]) => [name, id])), dnsAddr };
	});
}

/**
 * What `testenv pebble` prints once Pebble answers.
 * @typedef {{pid: number, directory_url: string, management_url: string, http_port: number,
 *   server_root_file: string, log_file: string, issuer_root_pem: string, issuer_intermediate_pem: string}} PebbleInfo
 */

/**
 * Start Pebble, Let's Encrypt's ACME test CA, through `testenv pebble`
 * (the Go tests' pebbletest: its own TLS certificate, free ports, every
 * challenge checked for real): its VA asks `dnsServer` for the names it
 * validates and connects to `httpPort` for HTTP-01. Stop `proc` (by its
 * pid) to stop Pebble; Pebble also stops when this process dies, since its
 * stdin (a pipe from here) then ends.
 * @param {string} bin testenv
 * @param {{dnsServer: string, httpPort: number}} options
 * @returns {Promise<{proc: ReturnType<typeof startProcess>, pebble: PebbleInfo}>}
 */
export async function startPebble(bin, { dnsServer, httpPort }) {
	const proc = startProcess(bin, ['pebble', '-dnsserver', dnsServer, '-http-port', String(httpPort)], {
		stdio: ['pipe', 'pipe', 'pipe']
	});
	// Pebble is installed first when it is missing: give apt-get time.
	const pebble = await waitForOutput(proc, 'testenv pebble printed nothing', (log) => {
		const line = /^\{.*\}$/m.exec(log)?.[0];
		return line ? /** @type {PebbleInfo} */ (JSON.parse(line)) : undefined;
	}, 180_000);
	return { proc, pebble };
}

/**
 * Build a test image (FROM scratch around the Go tests' test server: GET /
 * answers {"tag", "version", "hostname"}) and push it to the registry
 * DW_TEST_REGISTRY names, through `testenv image`.
 * @param {string} bin testenv
 * @param {{repo: string, tag: string, version: string}} image
 * @returns {Promise<{ref: string, digest: string}>}
 */
export async function pushImage(bin, { repo, tag, version }) {
	assert.ok(process.env.DW_TEST_REGISTRY, 'DW_TEST_REGISTRY is not set: run the browser tests under scripts/with-docker.sh (make test-e2e does)');
	const { stdout } = await promisify(execFile)(bin, ['image', '-repo', repo, '-tag', tag, '-version', version], {
		cwd: repoDir,
		timeout: 300_000
	});
	return JSON.parse(stdout);
}

/** Cloudflare's answer to a token it does not accept (403, code 10000; not retried). */
const cfAuthError = JSON.stringify({ success: false, errors: [{ code: 10000, message: 'Authentication error' }], messages: [], result: null });

/**
 * An HTTP server in front of the emulator: while closed it refuses every
 * call with Cloudflare's answer to a bad token; once open it forwards each
 * call as it is, but those for which `state.refuse(method, url)` is true,
 * which it refuses the same way (a token that lost access to a zone).
 * @param {string} target the emulator's base URL
 */
export async function startGate(target) {
	const origin = new URL(target).origin;
	const state = {
		open: false,
		/** @type {((method: string, url: string) => boolean) | null} */
		refuse: null,
		/** "METHOD path status" of every call. */
		log: /** @type {string[]} */ ([]),
		lastCallAt: 0,
		refused: 0,
		/** Calls that were not GET, by the time they came. */
		writes: 0
	};
	const srv = http.createServer(async (req, res) => {
		state.lastCallAt = Date.now();
		if (req.method !== 'GET') state.writes++;
		const method = req.method ?? 'GET';
		const url = req.url ?? '/';
		if (!state.open || state.refuse?.(method, url)) {
			state.refused++;
			state.log.push(`${method} ${url} 403 (${state.open ? 'refused' : 'closed'})`);
			res.writeHead(403, { 'Content-Type': 'application/json' });
			res.end(cfAuthError);
			return;
		}
		try {
			const chunks = [];
			for await (const c of req) chunks.push(c);
			const headers = {};
			for (const h of ['authorization', 'content-type', 'accept']) if (req.headers[h]) headers[h] = req.headers[h];
			const answer = await fetch(origin + url, {
				method,
				headers,
				body: chunks.length ? Buffer.concat(chunks) : undefined
			});
			const out = { 'Content-Type': answer.headers.get('content-type') ?? 'application/json' };
			const retryAfter = answer.headers.get('retry-after');
			if (retryAfter) out['Retry-After'] = retryAfter;
			const body = Buffer.from(await answer.arrayBuffer());
			state.log.push(`${method} ${url} ${answer.status}`);
			res.writeHead(answer.status, out);
			res.end(body);
		} catch (err) {
			state.log.push(`${method} ${url} failed: ${err}`);
			res.writeHead(502);
			res.end();
		}
	});
	await new Promise((resolve, reject) => {
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', resolve);
	});
	const { port } = /** @type {net.AddressInfo} */ (srv.address());
	return {
		get state() {
			return state;
		},
		get log() {
			return state.log;
		},
		baseURL: `http://127.0.0.1:${port}${new URL(target).pathname}`,
		close: () => new Promise((resolve) => srv.close(() => resolve(undefined)))
	};
}

/**
 * Calls to the emulator itself (not through a gate) with its token; each
 * must succeed and gives its result.
 * @param {() => string} getBaseURL the emulator's base URL, once it is known
 * @param {string} token
 */
export function cfClient(getBaseURL, token) {
	return async function cf(method, pathname, body) {
		const res = await fetch(getBaseURL() + pathname, {
			method,
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		const json = await res.json();
		assert.equal(json.success, true, `${method} ${pathname}: ${JSON.stringify(json.errors)}`);
		return json.result;
	};
}

/**
 * Calls to Docker Watcher's API with the browser's session: `api` gives
 * status, JSON and text; `apiOK` asserts a 2xx and gives the JSON.
 * @param {() => import('playwright-core').Page} getPage
 * @param {() => string} getBaseURL
 */
export function apiClient(getPage, getBaseURL) {
	async function api(method, pathname, body) {
		const res = await getPage().request.fetch(getBaseURL() + pathname, { method, data: body });
		const text = await res.text();
		return { status: res.status(), json: text ? JSON.parse(text) : undefined, text };
	}
	async function apiOK(method, pathname, body) {
		const res = await api(method, pathname, body);
		assert.ok(res.status >= 200 && res.status < 300, `${method} ${pathname}: ${res.status} ${res.text}`);
		return res.json;
	}
	return { api, apiOK };
}

/**
 * Log in as admin on the login page and land on `next`.
 * @param {import('playwright-core').Page} page
 * @param {string} password
 * @param {string} next a path, e.g. "/settings"
 */
export async function logIn(page, password, next) {
	await page.goto(`/login?next=${encodeURIComponent(next)}`);
	await page.getByLabel('User name').fill('admin');
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.waitForURL((url) => url.pathname === next);
}

/**
 * Run `action` (a click) and return the answer of `method pathname` it caused.
 * `match`, when given, must also hold for the request's URL: a page that
 * refetches on live events may ask the same path meanwhile.
 * @param {import('playwright-core').Page} page
 * @param {() => Promise<unknown>} action
 * @param {(url: URL) => boolean} [match]
 */
export async function answerOf(page, action, method, pathname, match = () => true) {
	const [response] = await Promise.all([
		page.waitForResponse((r) => {
			const url = new URL(r.url());
			return r.request().method() === method && url.pathname === pathname && match(url);
		}),
		action()
	]);
	return response;
}

/**
 * The set-up of a browser test: a temporary folder, the services the test
 * needs, Docker Watcher (DW_BINARY, else bin/docker-watcher, with a random
 * admin password) and chromium on its UI. `start` in `before`, `stop` in
 * `after`: it stops what started, also after a failed start.
 *
 * `services(stack, defer)` starts the services once the folder exists:
 * `defer(fn)` each one's stop as soon as it runs (stopped last first); it
 * gives Docker Watcher's extra environment, the services' logs and more
 * switches for chromium. Docker Watcher's ports are picked before, so that
 * a service can be told them (`stack.proxyPort`, `stack.tlsPort`).
 * @param {{name: string, services?: (stack: any, defer: (stop: () => unknown) => void) =>
 *   Promise<{env?: Record<string, string>, logs?: () => Record<string, string>, chromiumArgs?: string[]} | void>}} options
 */
export function browserStack({ name, services }) {
	const binary = path.resolve(webDir, process.env.DW_BINARY || '../bin/docker-watcher');
	const password = randomBytes(18).toString('base64url');
	const page = () => /** @type {import('playwright-core').Page} */ (stack.page);
	/** @type {(() => unknown)[]} */
	const stops = [];
	/** @type {() => Record<string, string>} */
	let serviceLogs = () => ({});
	const stack = {
		password,
		binary,
		tmpDir: '',
		/** Docker Watcher's data folder and environment, once started (to start it again). */
		dataDir: '',
		/** @type {Record<string, string>} */
		env: {},
		/** @type {ReturnType<typeof startProcess> | undefined} */
		server: undefined,
		baseURL: '',
		/** The built-in proxy's port on 127.0.0.1: HTTP, and HTTPS. */
		proxyPort: 0,
		tlsPort: 0,
		/** @type {import('playwright-core').Browser | undefined} */
		browser: undefined,
		/** @type {import('playwright-core').Page | undefined} */
		page: undefined,
		/** Uncaught errors of the page. */
		pageErrors: [],
		async start() {
			assert.ok(existsSync(binary), `no binary at ${binary}: build it (make build) or set DW_BINARY`);
			assert.ok(existsSync(chromiumPath), `no chromium at ${chromiumPath}: apt-get install chromium`);
			stack.tmpDir = await mkdtemp(path.join(os.tmpdir(), `dw-e2e-${name}-`));
			[stack.proxyPort, stack.tlsPort] = [await freePort(), await freePort()];
			const started = (await services?.(stack, (stop) => stops.push(stop))) || {};
			if (started.logs) serviceLogs = started.logs;
			stack.dataDir = path.join(stack.tmpDir, 'data');
			stack.env = { DW_ADMIN_PASSWORD: password, ...started.env };
			({ server: stack.server, baseURL: stack.baseURL } = await startDockerWatcher(binary, stack.dataDir, stack.env, {
				proxyPort: stack.proxyPort,
				tlsPort: stack.tlsPort
			}));
			({ browser: stack.browser, page: stack.page } = await openPage(stack.baseURL, stack.pageErrors, started.chromiumArgs));
		},
		async stop() {
			await stack.browser?.close().catch(() => {});
			await stopProcess(stack.server?.child);
			while (stops.length > 0) await stops.pop()?.();
			if (stack.tmpDir) await rm(stack.tmpDir, { recursive: true, force: true });
		},
		/**
		 * Stop Docker Watcher and start it again on the same data folder,
		 * ports and environment; the browser stays. `meanwhile` runs while
		 * it is down.
		 * @param {() => Promise<unknown>} [meanwhile]
		 */
		async restart(meanwhile) {
			await stopProcess(stack.server?.child);
			stack.server = undefined;
			await meanwhile?.();
			({ server: stack.server } = await startDockerWatcher(binary, stack.dataDir, stack.env, {
				apiPort: Number(new URL(stack.baseURL).port),
				proxyPort: stack.proxyPort,
				tlsPort: stack.tlsPort
			}));
		},
		/** The page, once started. */
		p: page,
		...apiClient(page, () => stack.baseURL),
		/** Run `action` and return the answer of `method pathname` it caused. */
		answerOf: (
			/** @type {() => Promise<unknown>} */ action,
			/** @type {string} */ method,
			/** @type {string} */ pathname,
			/** @type {((url: URL) => boolean) | undefined} */ match
		) => answerOf(page(), action, method, pathname, match),
		/** Log in as admin and land on `next`. */
		logIn: (/** @type {string} */ next) => logIn(page(), password, next),
		/** The toasts that say `text` (a part of it, or a RegExp). */
		toast: (/** @type {string | RegExp} */ text) => page().locator('.toasts').getByRole('status').filter({ hasText: text }),
		/**
		 * Save a settings card (a form of the settings page), check the
		 * answer, wait for its toast, and return the answer.
		 * @param {import('playwright-core').Locator} form
		 * @param {string} toastText
		 */
		async saveCard(form, toastText) {
			const res = await answerOf(page(), () => form.getByRole('button', { name: 'Save', exact: true }).click(), 'PUT', '/api/settings');
			assert.equal(res.status(), 200, `PUT /api/settings: ${await res.text()}`);
			await stack.toast(toastText).last().waitFor();
			return res;
		},
		/** The logs to keep when a test fails, by file name. */
		logs() {
			return { [`${name}-server.log`]: stack.server?.log ?? '', ...serviceLogs() };
		}
	};
	return stack;
}

/**
 * The set-up of a DNS browser test (browserStack): the emulator with
 * `zones`, a gate in front of it (closed until the test opens it), and
 * Docker Watcher reaching the emulator through the gate, with `env` in its
 * environment too. The emulator's token (DNS edit on every zone) is random.
 * @param {{name: string, zones: string[], env?: Record<string, string>}} options
 */
export function dnsTestStack({ name, zones, env = {} }) {
	const token = 'cf-' + randomBytes(24).toString('hex');
	const base = browserStack({
		name,
		async services(s, defer) {
			const { emulator, baseURL, zoneIds } = await startEmulator(await emulatorBinary(s.tmpDir), { token, zones });
			defer(() => stopProcess(emulator.child));
			Object.assign(s, { emulator, cfBaseURL: baseURL, zoneIds });
			const gate = await startGate(baseURL);
			defer(() => gate.close());
			s.gate = gate;
			return {
				env: { DW_CLOUDFLARE_API_URL: gate.baseURL, ...env },
				logs: () => ({ [`${name}-cf-emulator.log`]: emulator.log, [`${name}-gate.log`]: gate.log.join('\n') })
			};
		}
	});
	const stack = Object.assign(base, {
		token,
		/** @type {ReturnType<typeof startProcess> | undefined} */
		emulator: undefined,
		/** @type {Awaited<ReturnType<typeof startGate>> | undefined} */
		gate: undefined,
		cfBaseURL: '',
		/** Zone ids by name, as the emulator printed them. */
		zoneIds: new Map(),
		/** Calls to the emulator itself (not through the gate). */
		cf: cfClient(() => stack.cfBaseURL, token),
		/**
		 * The settings of managed DNS at the emulator's `zone` (PUT
		 * /api/settings), with no periodic sync during the test; `extra`
		 * fields beside or instead.
		 * @param {string} zone
		 * @param {Record<string, unknown>} [extra]
		 */
		managedDNS: (zone, extra = {}) => ({
			domain: zone,
			public_ipv4: '203.0.113.10',
			wildcard_dns: false,
			dns_provider: 'cloudflare',
			cloudflare_api_token: token,
			cloudflare_zone_id: stack.zoneIds.get(zone),
			cloudflare_zone_name: zone,
			dns_sync_interval_seconds: 86400,
			...extra
		})
	});
	return stack;
}

/**
 * A tiny HTTP server on 127.0.0.1 answering 200 to every request (a
 * standalone proxy's target); `close` stops it.
 */
export async function startTarget() {
	const srv = http.createServer((req, res) => {
		res.writeHead(200, { 'Content-Type': 'text/plain' });
		res.end(`hello from the target, host ${req.headers.host}\n`);
	});
	await new Promise((resolve, reject) => {
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', resolve);
	});
	const { port } = /** @type {net.AddressInfo} */ (srv.address());
	return {
		port,
		close: () =>
			new Promise((resolve) => {
				srv.close(() => resolve(undefined));
				srv.closeAllConnections();
			})
	};
}

/**
 * The value of a term of a page's details list (dl.details), e.g. the
 * Digest of an instance.
 * @param {import('playwright-core').Page} page
 * @param {string} term
 */
export const detail = (page, term) =>
	page.locator('dl.details dt').filter({ hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');

/** Put a marker in the page, which a reload would lose (assertNotReloaded checks it). */
export const markPage = (/** @type {import('playwright-core').Page} */ page) =>
	page.evaluate(() => ((/** @type {any} */ (window)).__dwMarker = 'kept'));

/** The marker of markPage is still there: the page changed by itself, it was not reloaded. */
export async function assertNotReloaded(/** @type {import('playwright-core').Page} */ page) {
	assert.equal(await page.evaluate(() => (/** @type {any} */ (window)).__dwMarker), 'kept', 'the page was reloaded');
}

/**
 * Note, in the page, every text that the elements matching `selector`
 * show from now on (their own text, not their children's), each once in
 * the order seen: what a step or a progress label said, however briefly.
 * notedTexts gives them.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 */
export async function noteTexts(page, selector) {
	await page.evaluate((sel) => {
		const w = /** @type {any} */ (window);
		const seen = /** @type {string[]} */ ([]);
		(w.__dwNoted ??= {})[sel] = seen;
		const note = () => {
			for (const el of document.querySelectorAll(sel)) {
				const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('');
				const text = own.replace(/\s+/g, ' ').trim();
				if (text && !seen.includes(text)) seen.push(text);
			}
		};
		note();
		new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
	}, selector);
}

/**
 * The texts noteTexts saw for `selector` so far.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @returns {Promise<string[]>}
 */
export const notedTexts = (page, selector) => page.evaluate((sel) => [...((/** @type {any} */ (window)).__dwNoted?.[sel] ?? [])], selector);

/** The base64 SHA-256 of a certificate's SubjectPublicKeyInfo: what chromium's SPKI list holds. */
export const spkiHash = (/** @type {string} */ pem) =>
	createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');

/** The common name in a certificate's subject ("CN=...", one per line). */
export const commonName = (/** @type {string} */ pem) => /^CN=(.*)$/m.exec(new X509Certificate(pem).subject)?.[1] ?? '';

/** Chromium's switch that leads every name below `domain` to 127.0.0.1: the proxy's ports there. */
export const resolveToLocalhost = (/** @type {string} */ domain) => `--host-resolver-rules=MAP *.${domain} 127.0.0.1`;

/** A log file's content, or why it could not be read. */
export function readLog(/** @type {string} */ file) {
	try {
		return readFileSync(file, 'utf8');
	} catch (err) {
		return `(reading ${file}: ${err})`;
	}
}

/**
 * The services of a browser test over HTTPS (in browserStack's
 * `services`): the Cloudflare emulator with `zones`, answering DNS for
 * them, and Pebble, its VA asking the emulator's DNS (the A records and
 * the DNS-01 TXT records Docker Watcher writes through the API) and
 * connecting to the proxy's HTTP port for HTTP-01. `started` is what
 * `services` returns: Docker Watcher's environment (the emulator, ACME on
 * with Pebble's chain trusted by Go), the logs, and chromium's switches
 * (`domain`'s names to 127.0.0.1, Pebble's issuer trusted).
 *
 * Chromium trusts Pebble's issuer through its SPKI list: a chain the
 * system's roots do not verify is accepted only when a certificate the
 * server sent has one of these public keys. The proxy sends the leaf and
 * Pebble's intermediate, so the intermediate's key is the one that
 * matches (the root's alone would not: the root is not sent); the root is
 * listed for a server that sends it too. Unlike --ignore-certificate-errors
 * (or playwright's ignoreHTTPSErrors), which accept any certificate, a
 * certificate from anyone else still fails. Chromium honours the list only
 * with a --user-data-dir, which playwright always passes.
 *
 * ACME is on, its CA Pebble only once the test sets the directory (before
 * any domain exists, so that Let's Encrypt is never asked).
 * @param {{tmpDir: string, proxyPort: number}} s the stack
 * @param {(stop: () => unknown) => void} defer
 * @param {{name: string, token: string, zones: string[], domain: string}} options
 */
export async function startHttpsServices(s, defer, { name, token, zones, domain }) {
	const testenv = await testenvBinary(s.tmpDir);
	const cf = await startEmulator(await emulatorBinary(s.tmpDir), { token, zones, dns: true });
	defer(() => stopProcess(cf.emulator.child));
	const { proc, pebble } = await startPebble(testenv, { dnsServer: cf.dnsAddr, httpPort: s.proxyPort });
	defer(() => stopProcess(proc.child));
	const spki = [pebble.issuer_intermediate_pem, pebble.issuer_root_pem].map(spkiHash);
	return {
		testenv,
		cf,
		pebble,
		spki,
		started: {
			env: {
				// Go trusts Pebble's own HTTPS (its directory) through this file.
				SSL_CERT_FILE: pebble.server_root_file,
				DW_CLOUDFLARE_API_URL: cf.baseURL,
				// The DNS-01 propagation check asks the emulator's DNS.
				DW_ACME_DNS_RESOLVERS: cf.dnsAddr,
				DW_ACME: 'on'
			},
			logs: () => ({
				[`${name}-cf-emulator.log`]: cf.emulator.log,
				[`${name}-pebble.log`]: `${proc.log}\n${readLog(pebble.log_file)}`
			}),
			chromiumArgs: [resolveToLocalhost(domain), `--ignore-certificate-errors-spki-list=${spki.join(',')}`]
		}
	};
}

/**
 * Open `url` in a new page (and context) of `browser`: the page, the
 * answer, or the error. Close the context after.
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 */
export async function visit(browser, url) {
	const context = await browser.newContext();
	const page = await context.newPage();
	try {
		const response = await page.goto(url, { timeout: 15_000 });
		return { page, context, response, error: null };
	} catch (err) {
		return { page, context, response: null, error: /** @type {Error} */ (err) };
	}
}

/**
 * Open `url` in `browser` until it answers 200 with JSON that `check`
 * accepts (it throws otherwise); give that JSON, the answer's TLS details
 * and its final URL.
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {(body: any) => void} [check]
 */
export async function browserJSON(browser, url, check = () => {}, timeoutMs = 30_000) {
	let last = '';
	return eventually(async () => {
		const { response, context, error } = await visit(browser, url);
		try {
			last = String(error ?? response?.status());
			assert.equal(error, null, `GET ${url}: ${error}`);
			assert.equal(response?.status(), 200);
			const res = /** @type {import('playwright-core').Response} */ (response);
			const body = JSON.parse(await res.text());
			last = JSON.stringify(body);
			check(body);
			return { body, security: await res.securityDetails(), url: res.url() };
		} finally {
			await context.close();
		}
	}, timeoutMs).catch((err) => {
		throw new Error(`${err.message} (last: ${last})`);
	});
}
