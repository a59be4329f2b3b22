import { describe, expect, it } from 'vitest';
import { ApiError } from './api/client';
import { ConnectionTest } from './connection-test.svelte';

type Request = { secret?: string };

describe('ConnectionTest', () => {
	it('keeps the answer and whether a typed secret was tested', async () => {
		const test = new ConnectionTest(async (r: Request) => ({ ok: true, echo: r.secret }), (r) => !!r.secret);
		expect(await test.run({ secret: 's' }, [])).toEqual({});
		expect(test.result).toEqual({ ok: true, echo: 's' });
		expect(test.typedSecret).toBe(true);
		expect(test.running).toBe(false);
		await test.run({}, []);
		expect(test.typedSecret).toBe(false);
	});

	it("is running while the call is under way", async () => {
		let finish!: () => void;
		const test = new ConnectionTest(() => new Promise<number>((res) => (finish = () => res(1))), () => false);
		const run = test.run({}, []);
		expect(test.running).toBe(true);
		finish();
		await run;
		expect(test.running).toBe(false);
	});

	it("returns the error of one of the form's fields, and shows any other", async () => {
		const fieldError = new ApiError(400, 'npm_url must be an http or https address', 'npm_url');
		const test = new ConnectionTest<Request, number>(() => Promise.reject(fieldError), () => false);
		expect(await test.run({}, ['npm_url'])).toEqual({ npm_url: 'npm_url must be an http or https address' });
		expect(test.error).toBeNull();
		expect(await test.run({}, [])).toEqual({});
		expect(test.error).toBe('npm_url must be an http or https address');
		expect(test.result).toBeNull();
	});

	it('forgets the last answer on reset', async () => {
		const test = new ConnectionTest(async () => 1, () => false);
		await test.run({}, []);
		test.reset();
		expect(test.result).toBeNull();
		expect(test.error).toBeNull();
	});
});
