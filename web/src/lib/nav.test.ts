import { describe, expect, it } from 'vitest';
import { NavMenu, isCurrent } from './nav.svelte';

describe('isCurrent', () => {
	it.each([
		['/instances', '/instances', true],
		['/instances/7', '/instances', true],
		['/instancesx', '/instances', false],
		['/proxies', '/instances', false],
		['/', '/', true],
		['/instances', '/', false],
		['/dns', '/dns', true]
	])('%s under %s: %s', (pathname, href, want) => {
		expect(isCurrent(pathname, href)).toBe(want);
	});
});

describe('NavMenu', () => {
	it('the button opens and closes it', () => {
		const m = new NavMenu();
		expect(m.open).toBe(false);
		m.toggle();
		expect(m.open).toBe(true);
		m.toggle();
		expect(m.open).toBe(false);
	});

	it('Escape closes an open menu and gives the focus back; other keys do nothing', () => {
		const m = new NavMenu();
		expect(m.keydown('Escape')).toBe(false);
		m.toggle();
		expect(m.keydown('Enter')).toBe(false);
		expect(m.open).toBe(true);
		expect(m.keydown('Escape')).toBe(true);
		expect(m.open).toBe(false);
	});

	it('a navigation or a click elsewhere closes it without moving the focus', () => {
		const m = new NavMenu();
		m.toggle();
		expect(m.close('navigation')).toBe(false);
		expect(m.open).toBe(false);
		m.toggle();
		expect(m.close('outside')).toBe(false);
		expect(m.open).toBe(false);
		expect(m.close('escape')).toBe(false);
	});
});
