import { describe, expect, it } from 'vitest';
import { jsonResponse, mockFetch } from '$lib/test/factories';
import { checkProxy } from './proxies';
import { testNpm } from './settings';

const fetchMock = mockFetch();

describe('testNpm', () => {
	it('posts the typed NPM fields and returns the answer', async () => {
		const result = { ok: true, hosts: 2, message: 'Logged in to http://npm:81 as a@example.com; the account sees 2 proxy hosts.' };
		fetchMock.mockResolvedValue(jsonResponse(200, result));
		const request = { npm_url: 'http://npm:81', npm_email: 'a@example.com', npm_password: 'pw', npm_forward_host: '' };
		await expect(testNpm(request)).resolves.toEqual(result);
		const [url, init] = fetchMock.mock.calls[0];
		expect(url).toBe('/api/proxy/test');
		expect(init?.method).toBe('POST');
		expect(JSON.parse(init?.body as string)).toEqual(request);
	});

	it("resolves NPM's refusal, which is no HTTP error", async () => {
		fetchMock.mockResolvedValue(jsonResponse(200, { ok: false, hosts: 0, message: 'npm: 401 Invalid password' }));
		await expect(testNpm()).resolves.toEqual({ ok: false, hosts: 0, message: 'npm: 401 Invalid password' });
		expect(JSON.parse(fetchMock.mock.calls[0][1]?.body as string)).toEqual({});
	});

	it('throws the 400 that names the field', async () => {
		fetchMock.mockResolvedValue(jsonResponse(400, { error: 'npm_url must be an http or https address', field: 'npm_url' }));
		await expect(testNpm({ npm_url: 'ftp://x' })).rejects.toMatchObject({ status: 400, field: 'npm_url' });
	});
});

describe('checkProxy', () => {
	it('posts without a body and returns whether the route answers', async () => {
		const result = { answers: false, error: 'Bad Gateway', status: 502, via: 'proxy', duration_ms: 3 };
		fetchMock.mockResolvedValue(jsonResponse(200, result));
		await expect(checkProxy(4)).resolves.toEqual(result);
		const [url, init] = fetchMock.mock.calls[0];
		expect(url).toBe('/api/proxies/4/check');
		expect(init?.method).toBe('POST');
		expect(init?.body).toBeUndefined();
	});
});
