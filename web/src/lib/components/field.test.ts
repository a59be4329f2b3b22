import { describe, expect, it } from 'vitest';
import { describedBy, fieldDescription } from './field';

describe('describedBy', () => {
	it('joins the ids that are set', () => {
		expect(describedBy('dns-ttl-hint', false, 'dns-ttl-error', null, undefined, '')).toBe('dns-ttl-hint dns-ttl-error');
	});

	it('is undefined when none is set, so that no empty attribute is written', () => {
		expect(describedBy(false, undefined)).toBeUndefined();
	});
});

describe('fieldDescription', () => {
	it('names the hint and the error of a field', () => {
		expect(fieldDescription('token-scope', 'Read only can only GET.', 'unknown scope')).toBe(
			'token-scope-hint token-scope-error'
		);
	});

	it('counts a hint snippet as a hint', () => {
		expect(fieldDescription('dns-token', () => {}, undefined)).toBe('dns-token-hint');
	});

	it('is undefined without hint and error', () => {
		expect(fieldDescription('token-scope', undefined, undefined)).toBeUndefined();
	});
});
