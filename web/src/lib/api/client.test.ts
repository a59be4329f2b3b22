import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse, makeProxy } from '$lib/test/factories';
import { ApiError, errorFromResponse, parseRetryAfter, redirectToLogin, request, requestText, setUnauthorizedHandler } from './client';
import { login, me } from './auth';
import { createProxy, deleteProxy, listProxies } from './proxies';

type FetchMock = ReturnType<typeof vi.fn<typeof fetch>>;

let fetchMock: FetchMock;

function fakeLocation(pathname: string, search = '') {
	const assign = vi.fn<(url: string) => void>();
	vi.stubGlobal('location', { pathname, search, assign });
	return assign;
}

beforeEach(() => {
	fetchMock = vi.fn<typeof fetch>();
	vi.stubGlobal('fetch', fetchMock);
	setUnauthorizedHandler(redirectToLogin);
});

afterEach(() => {
	vi.unstubAllGlobals();
});

describe('errorFromResponse', () => {
	it('takes message and field from a 400 JSON body', async () => {
		const err = await errorFromResponse(
			jsonResponse(400, { error: 'domain: "bad domain!" is not a valid DNS name', field: 'domain' })
		);
		expect(err).toBeInstanceOf(ApiError);
		expect(err.status).toBe(400);
		expect(err.message).toBe('domain: "bad domain!" is not a valid DNS name');
		expect(err.field).toBe('domain');
	});

	it('has no field when the body names none', async () => {
		const err = await errorFromResponse(jsonResponse(409, { error: 'domain already in use' }));
		expect(err.status).toBe(409);
		expect(err.message).toBe('domain already in use');
		expect(err.field).toBeUndefined();
	});

	it('falls back to the status line for a non-JSON 502 body', async () => {
		const res = new Response('<html><body>Bad Gateway</body></html>', {
			status: 502,
			statusText: 'Bad Gateway',
			headers: { 'Content-Type': 'text/html' }
		});
		const err = await errorFromResponse(res);
		expect(err.status).toBe(502);
		expect(err.message).toBe('Request failed: 502 Bad Gateway');
		expect(err.field).toBeUndefined();
	});

	it('names the status when the response has no status text and an empty body', async () => {
		const err = await errorFromResponse(new Response('', { status: 503 }));
		expect(err.message).toBe('Request failed: 503 Service Unavailable');
	});

	it('ignores JSON without an error string', async () => {
		const err = await errorFromResponse(jsonResponse(500, { message: 'nope' }));
		expect(err.message).toBe('Request failed: 500 Internal Server Error');
	});

	it('reads Retry-After of a 429', async () => {
		const err = await errorFromResponse(
			jsonResponse(429, { error: 'too many failed logins' }, { 'Retry-After': '120' })
		);
		expect(err.status).toBe(429);
		expect(err.retryAfter).toBe(120);
	});
});

describe('parseRetryAfter', () => {
	it('reads seconds and HTTP dates', () => {
		const now = Date.parse('2026-11-27T21:00:00Z');
		expect(parseRetryAfter('30', now)).toBe(30);
		expect(parseRetryAfter('Fri, 27 Nov 2026 21:01:30 GMT', now)).toBe(90);
		expect(parseRetryAfter('Fri, 27 Nov 2026 20:00:00 GMT', now)).toBe(0);
		expect(parseRetryAfter(null, now)).toBeUndefined();
		expect(parseRetryAfter('soon', now)).toBeUndefined();
	});
});

describe('request', () => {
	it('sends JSON with the session cookie and parses the answer', async () => {
		const proxy = makeProxy();
		fetchMock.mockResolvedValue(jsonResponse(201, proxy));
		const input = { domain: 'app.example.org', forward_scheme: 'http' as const, forward_host: '127.0.0.1', forward_port: 3000 };

		await expect(createProxy(input)).resolves.toEqual(proxy);

		expect(fetchMock).toHaveBeenCalledTimes(1);
		const [url, init] = fetchMock.mock.calls[0];
		expect(url).toBe('/api/proxies');
		expect(init?.method).toBe('POST');
		expect(init?.credentials).toBe('same-origin');
		expect((init?.headers as Record<string, string>)['Content-Type']).toBe('application/json');
		expect(JSON.parse(init?.body as string)).toEqual(input);
	});

	it('sends no body and no Content-Type on GET', async () => {
		fetchMock.mockResolvedValue(jsonResponse(200, []));
		await expect(listProxies()).resolves.toEqual([]);
		const init = fetchMock.mock.calls[0][1];
		expect(init?.body).toBeUndefined();
		expect((init?.headers as Record<string, string>)['Content-Type']).toBeUndefined();
	});

	it('resolves a 204 to undefined', async () => {
		fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
		await expect(deleteProxy(7)).resolves.toBeUndefined();
		expect(fetchMock.mock.calls[0][0]).toBe('/api/proxies/7');
		expect(fetchMock.mock.calls[0][1]?.method).toBe('DELETE');
	});

	it('throws the ApiError of a 400 with its field', async () => {
		fetchMock.mockResolvedValue(jsonResponse(400, { error: 'invalid domain', field: 'domain' }));
		const err = await request('POST', '/api/proxies', {}).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ApiError);
		expect(err).toMatchObject({ status: 400, message: 'invalid domain', field: 'domain' });
	});

	it('turns a network failure into ApiError with status 0', async () => {
		fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
		const err = await request('GET', '/api/proxies').catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ApiError);
		expect((err as ApiError).status).toBe(0);
		expect((err as ApiError).message).toMatch(/could not reach the server/i);
	});
});

describe('401 handling', () => {
	it('redirects to /login with the current page as next', async () => {
		const assign = fakeLocation('/proxies', '?q=app');
		fetchMock.mockResolvedValue(jsonResponse(401, { error: 'not logged in' }));

		const err = await listProxies().catch((e: unknown) => e);

		expect(err).toMatchObject({ status: 401, message: 'not logged in' });
		expect(assign).toHaveBeenCalledTimes(1);
		expect(assign).toHaveBeenCalledWith('/login?next=%2Fproxies%3Fq%3Dapp');
	});

	it('does not redirect when the login itself fails', async () => {
		const assign = fakeLocation('/login');
		fetchMock.mockResolvedValue(jsonResponse(401, { error: 'invalid username or password' }));

		const err = await login({ username: 'admin', password: 'wrong' }).catch((e: unknown) => e);

		expect(err).toMatchObject({ status: 401, message: 'invalid username or password' });
		expect(assign).not.toHaveBeenCalled();
	});

	it('does not redirect for a 401 of the session check', async () => {
		const assign = fakeLocation('/instances');
		fetchMock.mockResolvedValue(jsonResponse(401, { error: 'not logged in' }));
		await expect(me()).rejects.toMatchObject({ status: 401 });
		expect(assign).not.toHaveBeenCalled();
	});

	it('does not redirect on other errors', async () => {
		const assign = fakeLocation('/proxies');
		fetchMock.mockResolvedValue(jsonResponse(403, { error: 'cross-origin request refused' }));
		await expect(listProxies()).rejects.toMatchObject({ status: 403 });
		expect(assign).not.toHaveBeenCalled();
	});

	it('does not redirect when already on /login', () => {
		const assign = fakeLocation('/login');
		redirectToLogin();
		expect(assign).not.toHaveBeenCalled();
	});

	it('calls the handler the app installed instead', async () => {
		const assign = fakeLocation('/settings');
		const handler = vi.fn();
		setUnauthorizedHandler(handler);
		fetchMock.mockResolvedValue(jsonResponse(401, { error: 'session expired' }));
		await expect(listProxies()).rejects.toMatchObject({ status: 401 });
		expect(handler).toHaveBeenCalledTimes(1);
		expect(assign).not.toHaveBeenCalled();
	});
});

describe('auth', () => {
	it('returns the user of a login', async () => {
		fetchMock.mockResolvedValue(jsonResponse(200, { user: { id: 1, username: 'admin' } }));
		await expect(login({ username: 'admin', password: 'pw' })).resolves.toEqual({ id: 1, username: 'admin' });
		expect(JSON.parse(fetchMock.mock.calls[0][1]?.body as string)).toEqual({ username: 'admin', password: 'pw' });
	});
});

describe('the body of an error', () => {
	it('keeps the whole JSON body, e.g. the instance of a failed action', async () => {
		const err = await errorFromResponse(jsonResponse(422, { error: 'not healthy', instance: { id: 3 } }));
		expect(err.body).toEqual({ error: 'not healthy', instance: { id: 3 } });
	});

	it('has none for a body without an error', async () => {
		const err = await errorFromResponse(new Response('<html></html>', { status: 502 }));
		expect(err.body).toBeUndefined();
	});
});

describe('requestText', () => {
	it('gives the text of the answer', async () => {
		fetchMock.mockResolvedValue(new Response('a\nb\n', { status: 200 }));
		await expect(requestText('/x')).resolves.toBe('a\nb\n');
	});

	it('throws the API error, and a 401 goes to the login page', async () => {
		const assign = fakeLocation('/instances');
		fetchMock.mockResolvedValue(jsonResponse(401, { error: 'log in' }));
		await expect(requestText('/x')).rejects.toMatchObject({ status: 401, message: 'log in' });
		expect(assign).toHaveBeenCalledWith('/login?next=%2Finstances');
	});

	it('an unreachable server is status 0', async () => {
		fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
		await expect(requestText('/x')).rejects.toMatchObject({ status: 0 });
	});
});
