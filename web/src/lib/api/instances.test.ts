import { describe, expect, it } from 'vitest';
import { jsonResponse, makeInstance, mockFetch } from '$lib/test/factories';
import { ApiError } from './client';
import { getHealth } from './health';
import { ActionError, deleteInstance, deployApp, instanceAction, instanceLogs, listInstances } from './instances';

const fetchMock = mockFetch();

function call(n = 0) {
	const [url, init] = fetchMock.mock.calls[n];
	return { url: String(url), method: init?.method, body: init?.body ? JSON.parse(String(init.body)) : undefined, init };
}

describe('listInstances', () => {
	it('keeps the progress of a deploy', async () => {
		const inst = makeInstance({ status: 'deploying', progress: { step: 'pulling', current: 5, total: 10 } });
		fetchMock.mockResolvedValue(jsonResponse(200, [inst]));
		expect(await listInstances()).toEqual([inst]);
		expect(call().url).toBe('/api/instances');
	});
});

describe('instanceAction', () => {
	it.each(['start', 'stop', 'restart', 'redeploy', 'rollback'] as const)('%s posts to the action and gives the instance', async (action) => {
		const inst = makeInstance();
		fetchMock.mockResolvedValue(jsonResponse(action === 'redeploy' || action === 'rollback' ? 202 : 200, inst));
		expect(await instanceAction(7, action)).toEqual(inst);
		expect(call()).toMatchObject({ url: `/api/instances/7/${action}`, method: 'POST', body: undefined });
	});

	it('an action that ran and failed (422) throws ActionError with the instance as it left it', async () => {
		const inst = makeInstance({ status: 'failed', last_error: 'not healthy within 60s\n--- last lines ---\npanic: boom' });
		fetchMock.mockResolvedValue(jsonResponse(422, { error: 'not healthy within 60s', instance: inst }));
		const err = await instanceAction(1, 'restart').catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ActionError);
		expect(err).toBeInstanceOf(ApiError);
		expect((err as ActionError).status).toBe(422);
		expect((err as ActionError).message).toBe('not healthy within 60s');
		expect((err as ActionError).instance).toEqual(inst);
	});

	it('a 422 without an instance stays an ApiError', async () => {
		fetchMock.mockResolvedValue(jsonResponse(422, { error: 'odd' }));
		const err = await instanceAction(1, 'stop').catch((e: unknown) => e);
		expect(err).not.toBeInstanceOf(ActionError);
		expect((err as ApiError).status).toBe(422);
	});

	it('an unreachable engine is a 502 ApiError', async () => {
		fetchMock.mockResolvedValue(jsonResponse(502, { error: 'the Docker Engine cannot be reached: dial unix' }));
		const err = await instanceAction(1, 'start').catch((e: unknown) => e);
		expect(err).not.toBeInstanceOf(ActionError);
		expect((err as ApiError).status).toBe(502);
		expect((err as ApiError).message).toMatch(/Docker Engine cannot be reached/);
	});

	it('no earlier image to roll back to is a 409', async () => {
		fetchMock.mockResolvedValue(jsonResponse(409, { error: 'the instance has no earlier image to roll back to' }));
		await expect(instanceAction(1, 'rollback')).rejects.toMatchObject({ status: 409 });
	});
});

describe('deleteInstance', () => {
	it('deletes the instance (204)', async () => {
		fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
		await expect(deleteInstance(3)).resolves.toBeUndefined();
		expect(call()).toMatchObject({ url: '/api/instances/3', method: 'DELETE' });
	});
});

describe('instanceLogs', () => {
	it('reads the last lines as text', async () => {
		fetchMock.mockResolvedValue(new Response('line 1\nline 2\n', { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' } }));
		expect(await instanceLogs(4, 200)).toBe('line 1\nline 2\n');
		const { url, method, init } = call();
		expect(url).toBe('/api/instances/4/logs?tail=200');
		expect(method).toBe('GET');
		expect((init?.headers as Record<string, string>).Accept).toMatch(/text\/plain/);
	});

	it('an instance without a container is the API error', async () => {
		fetchMock.mockResolvedValue(jsonResponse(409, { error: 'the instance has no container' }));
		await expect(instanceLogs(4)).rejects.toMatchObject({ status: 409, message: 'the instance has no container' });
	});

	it('text that looks like JSON stays text', async () => {
		fetchMock.mockResolvedValue(new Response('{"level":"info"}\n', { status: 200, headers: { 'Content-Type': 'text/plain' } }));
		expect(await instanceLogs(4)).toBe('{"level":"info"}\n');
	});
});

describe('deployApp', () => {
	it('posts the tag and the subdomain and gives the new instance (202)', async () => {
		const inst = makeInstance({ status: 'deploying', subdomain: 'web-v1' });
		fetchMock.mockResolvedValue(jsonResponse(202, inst));
		expect(await deployApp(2, { tag: 'v1', subdomain: 'web-v1' })).toEqual(inst);
		expect(call()).toMatchObject({ url: '/api/apps/2/deploy', method: 'POST', body: { tag: 'v1', subdomain: 'web-v1' } });
	});

	it.each([
		[400, 'tag'],
		[400, 'subdomain'],
		[409, 'subdomain']
	])('a %s names the field %s', async (status, field) => {
		fetchMock.mockResolvedValue(jsonResponse(status, { error: 'no', field }));
		await expect(deployApp(2, { tag: 'x' })).rejects.toMatchObject({ status, field });
	});
});

describe('getHealth', () => {
	it('reads /healthz without sending a 401 to the login page', async () => {
		fetchMock.mockResolvedValue(jsonResponse(200, { status: 'ok', database: 'ok', docker: 'unreachable' }));
		expect(await getHealth()).toEqual({ status: 'ok', database: 'ok', docker: 'unreachable' });
		expect(call().url).toBe('/healthz');
	});
});
