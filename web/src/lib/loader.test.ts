import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api/client';
import { createLoader } from './loader.svelte';
import { toasts } from './toast.svelte';

beforeEach(() => toasts.clear());

/** A promise and the functions that settle it. */
function deferred<T>() {
	let resolve!: (value: T) => void;
	let reject!: (err: unknown) => void;
	const promise = new Promise<T>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

describe('createLoader', () => {
	it('starts out loading, with no data and no error', () => {
		const loader = createLoader(async () => 1, { context: 'Could not load' });
		expect(loader.loading).toBe(true);
		expect(loader.data).toBeNull();
		expect(loader.error).toBeNull();
	});

	it('can start out idle until reload()', () => {
		expect(createLoader(async () => 1, { context: 'Could not load', loading: false }).loading).toBe(false);
	});

	it('keeps the answer of a load', async () => {
		const onload = vi.fn();
		const loader = createLoader(async () => ['a'], { context: 'Could not load', onload });
		await loader.reload();
		expect(loader.data).toEqual(['a']);
		expect(loader.loading).toBe(false);
		expect(loader.error).toBeNull();
		expect(onload).toHaveBeenCalledWith(['a']);
	});

	it('is loading while a load is under way', async () => {
		const answer = deferred<number>();
		const loader = createLoader(() => answer.promise, { context: 'Could not load', loading: false });
		const done = loader.reload();
		expect(loader.loading).toBe(true);
		answer.resolve(2);
		await done;
		expect(loader.loading).toBe(false);
		expect(loader.data).toBe(2);
	});

	it("keeps the error of a failed load and shows the API's message as a toast", async () => {
		const err = new ApiError(500, 'database is locked');
		const loader = createLoader(() => Promise.reject(err), { context: 'Could not load the proxies' });
		await loader.reload();
		expect(loader.error).toBe(err);
		expect(loader.loading).toBe(false);
		expect(toasts.items.map((t) => t.message)).toEqual(['Could not load the proxies: database is locked']);
	});

	it('gives a failed load to onerror instead of a toast', async () => {
		const onerror = vi.fn();
		const err = new ApiError(502, 'provider down');
		const loader = createLoader(() => Promise.reject(err), { context: 'Could not load', onerror });
		await loader.reload();
		expect(onerror).toHaveBeenCalledWith(err);
		expect(toasts.items).toEqual([]);
	});

	it('keeps the data of an earlier load when a retry fails, and clears the error when one works', async () => {
		let fail = false;
		const loader = createLoader(async () => (fail ? Promise.reject(new ApiError(500, 'down')) : 'ok'), {
			context: 'Could not load'
		});
		await loader.reload();
		fail = true;
		await loader.reload();
		expect(loader.data).toBe('ok');
		expect(loader.error).toBeInstanceOf(ApiError);
		fail = false;
		await loader.reload();
		expect(loader.error).toBeNull();
	});

	it('lets a newer load cancel an older one', async () => {
		const first = deferred<string>();
		const second = deferred<string>();
		const signals: AbortSignal[] = [];
		const answers = [first, second];
		const loader = createLoader(
			(signal) => {
				signals.push(signal);
				return answers[signals.length - 1].promise;
			},
			{ context: 'Could not load' }
		);
		const older = loader.reload();
		const newer = loader.reload();
		expect(signals[0].aborted).toBe(true);
		second.resolve('new');
		await newer;
		first.resolve('old');
		await older;
		expect(loader.data).toBe('new');
		expect(loader.loading).toBe(false);
	});

	it('shows nothing for a load it cancelled', async () => {
		const loader = createLoader(
			(signal) =>
				new Promise<string>((_, reject) =>
					signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
				),
			{ context: 'Could not load' }
		);
		const done = loader.reload();
		loader.abort();
		await done;
		expect(loader.error).toBeNull();
		expect(loader.loading).toBe(false);
		expect(toasts.items).toEqual([]);
	});

	it('lets the page change the data after a write', async () => {
		const loader = createLoader(async () => [1, 2], { context: 'Could not load' });
		await loader.reload();
		loader.data = [1];
		expect(loader.data).toEqual([1]);
	});
});
