import { describe, expect, it } from 'vitest';
import { jsonResponse, makeRecordList, makeSyncReport, mockFetch } from '$lib/test/factories';
import { ApiError } from './client';
import { deleteRecord, listRecords, listZones, planSync, recordsQuery, syncNow, testDns } from './dns';

const fetchMock = mockFetch();

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

describe('listRecords', () => {
	it('gets the records with only the filters that are set', async () => {
		fetchMock.mockImplementation(async () => jsonResponse(200, makeRecordList()));
		await expect(listRecords()).resolves.toEqual(makeRecordList());
		await listRecords({ q: ' web ', state: '', kind: '' });
		await listRecords({ q: 'a&b', state: 'outside_zone', kind: 'instance' });
		expect(fetchMock.mock.calls.map((c) => c[0])).toEqual([
			'/api/dns/records',
			'/api/dns/records?q=web',
			'/api/dns/records?q=a%26b&state=outside_zone&kind=instance'
		]);
		expect(fetchMock.mock.calls[0][1]?.method).toBe('GET');
	});

	it('passes the abort signal on', async () => {
		fetchMock.mockResolvedValue(jsonResponse(200, makeRecordList()));
		const controller = new AbortController();
		await listRecords({}, { signal: controller.signal });
		expect(fetchMock.mock.calls[0][1]?.signal).toBe(controller.signal);
	});

	it('builds an empty query without filters', () => {
		expect(recordsQuery({})).toBe('');
		expect(recordsQuery({ q: '   ' })).toBe('');
	});
});

describe('planSync and syncNow', () => {
	it('gets the dry run', async () => {
		const report = makeSyncReport({ dry_run: true, created: 1 });
		fetchMock.mockResolvedValue(jsonResponse(200, report));
		await expect(planSync()).resolves.toEqual(report);
		expect(fetchMock.mock.calls[0][0]).toBe('/api/dns/plan');
		expect(fetchMock.mock.calls[0][1]?.method).toBe('GET');
	});

	it('posts a sync without a body', async () => {
		const report = makeSyncReport({ created: 2, api_calls: 2 });
		fetchMock.mockResolvedValue(jsonResponse(200, report));
		await expect(syncNow()).resolves.toEqual(report);
		const [url, init] = fetchMock.mock.calls[0];
		expect(url).toBe('/api/dns/sync');
		expect(init?.method).toBe('POST');
		expect(init?.body).toBeUndefined();
	});

	it("throws a 502 with the provider's message", async () => {
		fetchMock.mockResolvedValue(jsonResponse(502, { error: 'cloudflare: 10000 Authentication error' }));
		await expect(syncNow()).rejects.toMatchObject({ status: 502, message: 'cloudflare: 10000 Authentication error' });
	});
});

describe('deleteRecord', () => {
	it('deletes by the encoded name and returns what was deleted', async () => {
		const body = { deleted: [{ fqdn: 'a.example.com', type: 'A' }] };
		fetchMock.mockResolvedValue(jsonResponse(200, body));
		await expect(deleteRecord('a.example.com')).resolves.toEqual(body);
		await deleteRecord('we ird/name').catch(() => {});
		expect(fetchMock.mock.calls.map((c) => [c[0], c[1]?.method])).toEqual([
			['/api/dns/records/a.example.com', 'DELETE'],
			['/api/dns/records/we%20ird%2Fname', 'DELETE']
		]);
	});

	it('throws the 404 of a name that has no owned record', async () => {
		fetchMock.mockResolvedValue(jsonResponse(404, { error: 'no owned record named a.example.com' }));
		const err = await deleteRecord('a.example.com').catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ApiError);
		expect(err).toMatchObject({ status: 404, message: 'no owned record named a.example.com' });
	});
});
