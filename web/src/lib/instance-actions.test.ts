import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './api/client';
import { ActionError } from './api/instances';
import { ActionRunner, type ActionDeps, type ActionTarget } from './instance-actions.svelte';
import { makeInstance } from './test/factories';

function world(deps: Partial<ActionDeps>) {
	const log: string[] = [];
	const target: ActionTarget = {
		upsert: (i) => log.push(`upsert ${i.id} ${i.status}`),
		remove: (id) => log.push(`remove ${id}`),
		track: (i) => log.push(`track ${i.id} ${i.status}`)
	};
	const runner = new ActionRunner(target, {
		success: (m) => log.push(`success: ${m}`),
		error: (m) => log.push(`error: ${m}`),
		engineDown: () => log.push('engine down'),
		...deps
	});
	return { runner, log };
}

describe('ActionRunner', () => {
	it('a stop: busy while it runs, then the answer and a toast', async () => {
		let answer: (i: ReturnType<typeof makeInstance>) => void = () => {};
		const { runner, log } = world({ instanceAction: () => new Promise((r) => (answer = r)) });
		const inst = makeInstance({ id: 3 });
		const done = runner.act(inst, 'stop');
		expect(runner.busy).toEqual({ 3: 'stop' });
		answer({ ...inst, status: 'stopped' });
		await done;
		expect(runner.busy).toEqual({});
		expect(log).toEqual(['upsert 3 stopped', 'success: web.example.com stopped.']);
	});

	it('a redeploy follows the rollout from the state shown before', async () => {
		const inst = makeInstance({ id: 4, progress: { step: 'done' } });
		const { runner, log } = world({ instanceAction: async () => ({ ...inst, status: 'running' }) });
		await runner.act(inst, 'redeploy');
		expect(log).toEqual(['track 4 running', 'upsert 4 running', 'success: web.example.com is being redeployed.']);
	});

	it('a 422 shows the instance as the failure left it, and the message', async () => {
		const failed = makeInstance({ id: 5, status: 'failed', last_error: 'not healthy in time' });
		const { runner, log } = world({
			instanceAction: async () => {
				throw new ActionError('the container did not become healthy', failed);
			}
		});
		await runner.act(makeInstance({ id: 5 }), 'restart');
		expect(log).toEqual(['upsert 5 failed', 'error: Could not restart web.example.com: the container did not become healthy']);
		expect(runner.busy).toEqual({});
	});

	it('a 502 says the engine cannot be reached and checks /healthz again', async () => {
		const { runner, log } = world({
			instanceAction: async () => {
				throw new ApiError(502, 'the Docker Engine cannot be reached: dial unix /var/run/docker.sock');
			}
		});
		await runner.act(makeInstance(), 'start');
		expect(log[0]).toBe('engine down');
		expect(log[1]).toMatch(/^error: Could not start web\.example\.com: the Docker Engine cannot be reached.*Nothing was changed/);
	});

	it('a 401 shows nothing (the login page comes)', async () => {
		const { runner, log } = world({
			instanceAction: async () => {
				throw new ApiError(401, 'not logged in');
			}
		});
		await runner.act(makeInstance(), 'stop');
		expect(log).toEqual([]);
	});

	it('remove: the instance goes from the page with a toast; a failure is thrown for the dialog', async () => {
		const ok = world({ deleteInstance: vi.fn(async () => {}) });
		await ok.runner.remove(makeInstance({ id: 6 }));
		expect(ok.log).toEqual(['remove 6', 'success: Instance web.example.com removed.']);

		const bad = world({
			deleteInstance: async () => {
				throw new ApiError(502, 'the Docker Engine cannot be reached');
			}
		});
		await expect(bad.runner.remove(makeInstance({ id: 6 }))).rejects.toThrow('the Docker Engine cannot be reached');
		expect(bad.log).toEqual(['engine down']);
		expect(bad.runner.busy).toEqual({});
	});
});
