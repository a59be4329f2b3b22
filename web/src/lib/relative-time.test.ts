import { describe, expect, it } from 'vitest';
import { formatRelative } from './relative-time';

const en = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const de = new Intl.RelativeTimeFormat('de', { numeric: 'auto' });
const now = Date.parse('2026-11-27T21:00:00Z');
const ago = (s: number) => now - s * 1000;

describe('formatRelative', () => {
	it('says how long ago in the largest whole unit', () => {
		expect(formatRelative(ago(3), now, en)).toBe('now');
		expect(formatRelative(ago(42), now, en)).toBe('42 seconds ago');
		expect(formatRelative(ago(59.7), now, en)).toBe('1 minute ago');
		expect(formatRelative(ago(60), now, en)).toBe('1 minute ago');
		expect(formatRelative(ago(150), now, en)).toBe('3 minutes ago');
		expect(formatRelative(ago(2 * 3600), now, en)).toBe('2 hours ago');
		expect(formatRelative(ago(26 * 3600), now, en)).toBe('yesterday');
		expect(formatRelative(ago(15 * 86400), now, en)).toBe('2 weeks ago');
		expect(formatRelative('2026-11-27T20:55:00Z', now, en)).toBe('5 minutes ago');
	});

	it('is in the given locale', () => {
		expect(formatRelative(ago(150), now, de)).toBe('vor 3 Minuten');
	});

	it('takes a clock a little ahead as now, and a missing time as a dash', () => {
		expect(formatRelative(now + 20_000, now, en)).toBe('now');
		expect(formatRelative(null, now, en)).toBe('—');
		expect(formatRelative('not a time', now, en)).toBe('—');
		expect(formatRelative('0001-01-01T00:00:00Z', now, en)).toBe('—');
	});
});
