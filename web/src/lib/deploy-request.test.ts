import { describe, expect, it } from 'vitest';
import { ApiError } from './api/client';
import { DeployRequest, type DeployDeps } from './deploy-request.svelte';
import { makeInstance } from './test/factories';

function request(deployApp: DeployDeps['deployApp']) {
	const focused: string[][] = [];
	const calls: unknown[][] = [];
	const form = new DeployRequest(['app', 'tag', 'subdomain'], {
		deployApp: (...args) => (calls.push(args), deployApp(...args)),
		focus: (errors) => focused.push(Object.keys(errors))
	});
	return { form, focused, calls };
}

describe('DeployRequest', () => {
	it('sends the trimmed tag, the subdomain only when given, and clears the form', async () => {
		const inst = makeInstance({ id: 7 });
		const { form, calls } = request(async () => inst);
		form.tag = ' v2 ';
		expect(await form.submit(3, 'enter a tag')).toBe(inst);
		form.tag = 'v3';
		form.subdomain = ' beta ';
		await form.submit(3, 'enter a tag');
		expect(calls).toEqual([
			[3, { tag: 'v2' }],
			[3, { tag: 'v3', subdomain: 'beta' }]
		]);
		expect([form.tag, form.subdomain, form.busy, form.message]).toEqual(['', '', false, null]);
	});

	it('a missing app or tag is a field error, and nothing is sent', async () => {
		const { form, focused, calls } = request(async () => makeInstance());
		expect(await form.submit(null, 'enter a tag')).toBeNull();
		expect(form.errors).toEqual({ app: 'Choose the app to deploy.' });
		form.tag = '  ';
		expect(await form.submit(1, 'enter a tag')).toBeNull();
		expect(form.errors).toEqual({ tag: 'enter a tag' });
		expect(calls).toEqual([]);
		expect(focused).toEqual([['app'], ['tag']]);
	});

	it('the API’s field error goes to its field and the typed values stay', async () => {
		const { form, focused } = request(async () => {
			throw new ApiError(400, 'subdomain: not a DNS label', 'subdomain');
		});
		form.tag = 'v1';
		form.subdomain = 'Bad_Name';
		expect(await form.submit(1, 'enter a tag')).toBeNull();
		expect(form.errors.subdomain).toMatch(/not a DNS label/);
		expect([form.tag, form.subdomain, form.message, form.busy]).toEqual(['v1', 'Bad_Name', null, false]);
		expect(focused).toEqual([['subdomain']]);
	});

	it('an unreachable engine is said above the form and reported', async () => {
		const { form } = request(async () => {
			throw new ApiError(502, 'docker engine: connection refused');
		});
		let engineCalls = 0;
		form.tag = 'v1';
		expect(await form.submit(1, 'enter a tag', () => engineCalls++)).toBeNull();
		expect(form.message).toMatch(/^Could not deploy: docker engine: connection refused\. Nothing was changed/);
		expect(engineCalls).toBe(1);
		expect(form.tag).toBe('v1');
	});
});
