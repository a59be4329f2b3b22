// What the browser tests that deploy share: the app of the pushed test
// image, and the Docker Engine at DOCKER_HOST (a unix socket, as
// scripts/with-docker.sh gives), to check what a deploy made and to
// remove it whatever happens.

import http from 'node:http';
import assert from 'node:assert/strict';

/**
 * A call to the Docker Engine API: its status.
 * @param {string} method
 * @param {string} pathname e.g. /containers/abc/json
 * @returns {Promise<number | undefined>}
 */
export function engine(method, pathname) {
	const host = process.env.DOCKER_HOST ?? '';
	assert.ok(host.startsWith('unix://'), `DOCKER_HOST=${host}: run the browser tests under scripts/with-docker.sh (make test-e2e does)`);
	return new Promise((resolve, reject) => {
		const req = http.request({ socketPath: host.slice('unix://'.length), method, path: pathname }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', reject);
		req.end();
	});
}

/**
 * GET `path` through the built-in proxy on 127.0.0.1:`port` as `host`:
 * the answer's status (the test server logs every request but its health
 * checks).
 * @param {number} port
 * @param {string} host
 * @param {string} path
 * @returns {Promise<number | undefined>}
 */
export function getThroughProxy(port, host, path) {
	return new Promise((resolve, reject) => {
		const req = http.request({ host: '127.0.0.1', port, path, headers: { Host: host }, timeout: 10_000 }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', reject);
		req.on('timeout', () => req.destroy(new Error(`GET ${path} as ${host}: no answer in 10 s`)));
		req.end();
	});
}

/**
 * The safety net of a test that deploys: force-remove the containers it saw, if still there.
 * @param {Iterable<string>} ids
 */
export async function removeContainers(ids) {
	for (const id of ids) await engine('DELETE', `/containers/${id}?force=1`).catch(() => {});
}

/**
 * The body of POST /api/apps for the test image `image` (a repository
 * without tag): app "web", tags v1, v2 …, the test server's port 8080,
 * no watcher; `extra` fields beside.
 * @param {string} image
 * @param {Record<string, unknown>} [extra]
 */
export function testApp(image, extra = {}) {
	return {
		name: 'web',
		image,
		tag_pattern: 'v\\d+',
		container_port: 8080,
		env: {},
		auto_deploy: false,
		poll_interval_seconds: 0,
		...extra
	};
}
