import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse } from '$lib/test/factories';
import { ApiError } from './client';
import { listZones, testDns } from './dns';

let fetchMock: ReturnType<typeof vi.fn<typeof fetch>>;

beforeEach(() => {
	fetchMock = vi.fn<typeof fetch>();
	vi.stubGlobal('fetch', fetchMock);
});

afterEach(() => {
	vi.unstubAllGlobals();
});

describe('testDns', () => {
	it('posts the fields to test and returns the checks', async () => {
		const result = {
			ok: true,
			provider: 'cloudflare',
			zone_name: 'example.com',
			checks: [{ name: 'token', ok: true, message: 'API token is valid and active' }]
		};
		fetchMock.mockResolvedValue(jsonResponse(200, result));
		await expect(testDns({ dns_provider: 'cloudflare', cloudflare_api_token: 't' })).resolves.toEqual(result);
		const [url, init] = fetchMock.mock.calls[0];
		expect(url).toBe('/api/dns/test');
		expect(init?.method).toBe('POST');
		expect(JSON.parse(init?.body as string)).toEqual({ dns_provider: 'cloudflare', cloudflare_api_token: 't' });
	});

	it("throws a 502 with the provider's message", async () => {
		fetchMock.mockResolvedValue(jsonResponse(502, { error: 'cloudflare: 10000 Authentication error' }));
		const err = await testDns().catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ApiError);
		expect(err).toMatchObject({ status: 502, message: 'cloudflare: 10000 Authentication error' });
	});
});

describe('listZones', () => {
	it('gets the zones, with an optional name filter', async () => {
		fetchMock.mockImplementation(async () => jsonResponse(200, []));
		await listZones();
		await listZones(' exa mple ');
		expect(fetchMock.mock.calls.map((c) => c[0])).toEqual(['/api/dns/zones', '/api/dns/zones?name=exa%20mple']);
	});

	it('throws the 400 that names the missing token', async () => {
		fetchMock.mockResolvedValue(jsonResponse(400, { error: 'no Cloudflare API token is stored', field: 'cloudflare_api_token' }));
		await expect(listZones()).rejects.toMatchObject({ status: 400, field: 'cloudflare_api_token' });
	});
});
