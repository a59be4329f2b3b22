import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '$lib/api/client';
import { toasts } from '$lib/toast.svelte';
import type { RouteCheck } from '$lib/types/proxy';
import { RouteChecks } from './route-checks.svelte';

beforeEach(() => toasts.clear());

const answers: RouteCheck = { answers: true, status: 200, via: 'proxy', duration_ms: 12 };

describe('RouteChecks', () => {
	it('is idle with no answer before a check', () => {
		expect(new RouteChecks(vi.fn()).of(3)).toEqual({ checking: false, view: null, error: null });
	});

	it("keeps each proxy's answer, and is checking while the call runs", async () => {
		let finish!: (c: RouteCheck) => void;
		const call = vi.fn((id: number) =>
			id === 1 ? new Promise<RouteCheck>((res) => (finish = res)) : Promise.resolve({ ...answers, answers: false, error: 'Bad Gateway', status: 502 })
		);
		const checks = new RouteChecks(call);
		const first = checks.run(1);
		expect(checks.of(1).checking).toBe(true);
		await checks.run(2);
		expect(checks.of(2).view?.text).toBe('No answer: Bad Gateway (HTTP 502, 12 ms)');
		expect(checks.of(1).checking).toBe(true);
		finish(answers);
		await first;
		expect(checks.of(1)).toEqual({
			checking: false,
			view: { answers: true, text: 'Answers (HTTP 200, 12 ms)', via: 'through the built-in proxy' },
			error: null
		});
		expect(call.mock.calls.map((c) => c[0])).toEqual([1, 2]);
	});

	it('says why a check could not be made, without a toast', async () => {
		const checks = new RouteChecks(() => Promise.reject(new ApiError(404, 'no proxy with id 9')));
		await checks.run(9);
		expect(checks.of(9)).toEqual({ checking: false, view: null, error: 'Could not check the route: no proxy with id 9' });
		expect(toasts.items).toEqual([]);
	});

	it('drops the answer of a proxy forgotten while its check ran, also when a new check began', async () => {
		const pending: ((c: RouteCheck) => void)[] = [];
		const checks = new RouteChecks(() => new Promise<RouteCheck>((res) => pending.push(res)));
		const old = checks.run(1);
		checks.forget(1);
		pending[0](answers);
		await old;
		expect(checks.of(1)).toEqual({ checking: false, view: null, error: null });

		const older = checks.run(1);
		checks.forget(1);
		const newer = checks.run(1);
		pending[1](answers);
		await older;
		expect(checks.of(1).checking).toBe(true);
		pending[2]({ ...answers, status: 204 });
		await newer;
		expect(checks.of(1).view?.text).toBe('Answers (HTTP 204, 12 ms)');
	});
});
