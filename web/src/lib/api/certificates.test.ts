import { describe, expect, it } from 'vitest';
import { jsonResponse, makeCertificate, mockFetch } from '$lib/test/factories';
import { listCertificates, renewCertificates } from './certificates';

const fetchMock = mockFetch();

describe('listCertificates', () => {
	it('gets the list', async () => {
		const list = { enabled: true, certificates: [makeCertificate()] };
		fetchMock.mockResolvedValue(jsonResponse(200, list));
		await expect(listCertificates()).resolves.toEqual(list);
		const [url, init] = fetchMock.mock.calls[0];
		expect(url).toBe('/api/certificates');
		expect(init?.method).toBe('GET');
	});

	it("throws the server's message, e.g. while the route does not exist", async () => {
		fetchMock.mockResolvedValue(jsonResponse(404, { error: 'no such API route' }));
		await expect(listCertificates()).rejects.toMatchObject({ status: 404, message: 'no such API route' });
	});
});

describe('renewCertificates', () => {
	it('posts without a body and gives the 202 answer', async () => {
		fetchMock.mockResolvedValue(jsonResponse(202, { started: true }));
		await expect(renewCertificates()).resolves.toEqual({ started: true });
		const [url, init] = fetchMock.mock.calls[0];
		expect(url).toBe('/api/certificates/renew');
		expect(init?.method).toBe('POST');
		expect(init?.body).toBeUndefined();
	});
});
