import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineHealth } from './health.svelte';
import type { Health } from './types/health';

const health = (docker: string): Health => ({ status: 'ok', database: 'ok', docker });

afterEach(() => {
	vi.useRealTimers();
});

describe('EngineHealth', () => {
	it('knows nothing until /healthz answered', () => {
		expect(new EngineHealth(async () => health('unreachable')).unreachable).toBe(false);
	});

	it('says unreachable while /healthz says so, and not once the engine answers', async () => {
		let docker = 'unreachable';
		const h = new EngineHealth(async () => health(docker));
		await h.check();
		expect(h.unreachable).toBe(true);
		docker = 'ok';
		await h.check();
		expect(h.unreachable).toBe(false);
	});

	it('keeps the last answer when /healthz does not answer', async () => {
		let fail = false;
		const h = new EngineHealth(async () => {
			if (fail) throw new Error('offline');
			return health('unreachable');
		});
		await h.check();
		fail = true;
		await h.check();
		expect(h.unreachable).toBe(true);
	});

	it('a newer check wins over an older one still under way', async () => {
		const answers: ((h: Health) => void)[] = [];
		const h = new EngineHealth(() => new Promise<Health>((resolve) => answers.push(resolve)));
		const first = h.check();
		const second = h.check();
		answers[1](health('ok'));
		answers[0](health('unreachable'));
		await Promise.all([first, second]);
		expect(h.unreachable).toBe(false);
	});

	it('watch checks at once and every interval until stopped', async () => {
		vi.useFakeTimers();
		const get = vi.fn(async () => health('ok'));
		const stop = new EngineHealth(get).watch(10_000);
		expect(get).toHaveBeenCalledTimes(1);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(get).toHaveBeenCalledTimes(2);
		await vi.advanceTimersByTimeAsync(20_000);
		expect(get).toHaveBeenCalledTimes(4);
		stop();
		await vi.advanceTimersByTimeAsync(30_000);
		expect(get).toHaveBeenCalledTimes(4);
	});
});
