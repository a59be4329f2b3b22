import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api/client';
import { describeError, errorMessage, fieldErrorsFrom, handleError, loginErrorMessage, withoutErrors } from './errors';
import { toasts } from './toast.svelte';

beforeEach(() => toasts.clear());

describe('fieldErrorsFrom', () => {
	it("puts the API's message under a field of the form", () => {
		const err = new ApiError(400, 'not a valid DNS name', 'domain');
		expect(fieldErrorsFrom(err, ['domain', 'forward_port'])).toEqual({ domain: 'not a valid DNS name' });
	});

	it('ignores a field the form does not have', () => {
		const err = new ApiError(400, 'bad zone', 'cloudflare_zone_id');
		expect(fieldErrorsFrom(err, ['domain'])).toEqual({});
	});
});

describe('withoutErrors', () => {
	it('leaves out the errors of the changed fields', () => {
		const errors = { domain: 'bad', npm_url: 'worse', dns_ttl: 'no' };
		expect(withoutErrors(errors, 'domain', 'dns_ttl')).toEqual({ npm_url: 'worse' });
		expect(errors).toEqual({ domain: 'bad', npm_url: 'worse', dns_ttl: 'no' });
	});

	it('gives the same object when none of them has an error', () => {
		const errors = { domain: 'bad' };
		expect(withoutErrors(errors, 'npm_url')).toBe(errors);
		expect(withoutErrors(errors)).toBe(errors);
	});
});

describe('handleError', () => {
	it('returns field errors and shows no toast for them', () => {
		const fields = handleError(new ApiError(400, 'must be 1..65535', 'forward_port'), ['forward_port']);
		expect(fields).toEqual({ forward_port: 'must be 1..65535' });
		expect(toasts.items).toEqual([]);
	});

	it("shows any other API error as a toast with the API's message", () => {
		const fields = handleError(new ApiError(409, 'domain already in use'), ['domain_x'], 'Could not save');
		expect(fields).toEqual({});
		expect(toasts.items).toHaveLength(1);
		expect(toasts.items[0]).toMatchObject({ kind: 'error', message: 'Could not save: domain already in use' });
	});

	it('shows nothing for a 401 (the user is sent to the login page)', () => {
		expect(handleError(new ApiError(401, 'not logged in'))).toEqual({});
		expect(toasts.items).toEqual([]);
	});

	it('shows unexpected errors too', () => {
		const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
		handleError(new Error('boom'));
		expect(toasts.items[0].message).toBe('Unexpected error: boom');
		spy.mockRestore();
	});
});

describe('describeError', () => {
	it('gives a message for the form instead of a toast', () => {
		expect(describeError(new ApiError(502, 'docker: connection refused'), ['domain'])).toEqual({
			fields: {},
			message: 'docker: connection refused'
		});
		expect(toasts.items).toEqual([]);
	});
});

describe('errorMessage', () => {
	it('handles values that are not errors', () => {
		expect(errorMessage('weird')).toBe('Unexpected error.');
		expect(errorMessage(new ApiError(429, ''))).toBe('Too many attempts. Try again later.');
	});
});

describe('loginErrorMessage', () => {
	const tooMany = (message: string, retryAfter?: number) => {
		const err = new ApiError(429, message);
		err.retryAfter = retryAfter;
		return err;
	};

	it("shows the API's message of a wrong password", () => {
		expect(loginErrorMessage(new ApiError(401, 'invalid username or password'))).toBe('invalid username or password');
	});

	it('adds the wait of a 429 from Retry-After', () => {
		expect(loginErrorMessage(tooMany('too many failed logins', 120))).toBe('Too many failed logins. Try again in 2 minutes.');
	});

	it('does not repeat a wait the API already names', () => {
		expect(loginErrorMessage(tooMany('too many failed logins; try again in 30s', 30))).toBe(
			'too many failed logins; try again in 30s'
		);
		expect(loginErrorMessage(tooMany('too many failed logins'))).toBe('too many failed logins');
	});
});
