import { describe, expect, it } from 'vitest';
import { checkView, routerName, routeState } from './route';
import { ROUTE_STATES } from './types/proxy';

describe('routeState', () => {
	it('gives each state a word and a colour', () => {
		expect(ROUTE_STATES.map((s) => [s, routeState(s).label, routeState(s).tone])).toEqual([
			['active', 'Active', 'ok'],
			['stopped', 'Stopped', 'off'],
			['deploying', 'Starting', 'busy'],
			['conflict', 'Conflict', 'warn'],
			['error', 'Error', 'bad'],
			['pending', 'Pending', 'busy'],
			['none', 'No route', 'neutral']
		]);
	});

	it('says what each state means and gives the badge classes', () => {
		for (const s of ROUTE_STATES) expect(routeState(s).description).not.toBe('');
		expect(routeState('active').className).toBe('badge tone-ok');
		expect(routeState('error').className).toBe('badge tone-bad');
	});

	it('shows an unknown state as it is, in a neutral badge', () => {
		expect(routeState('half_open')).toEqual({ label: 'half open', tone: 'neutral', description: '', className: 'badge tone-neutral' });
	});

	it('is not fooled by names of Object.prototype', () => {
		expect(routeState('constructor').label).toBe('constructor');
		expect(routeState('toString').tone).toBe('neutral');
	});
});

describe('routerName', () => {
	it('names the routers', () => {
		expect(routerName('builtin')).toBe('the built-in proxy');
		expect(routerName('npm')).toBe('Nginx Proxy Manager');
		expect(routerName('traefik')).toBe('traefik');
	});
});

describe('checkView', () => {
	it('says that a route answers, with status and time, through the built-in proxy', () => {
		expect(checkView({ answers: true, status: 200, via: 'proxy', duration_ms: 12 })).toEqual({
			answers: true,
			text: 'Answers (HTTP 200, 12 ms)',
			via: 'through the built-in proxy'
		});
	});

	it("gives the error of a route that does not answer, and the target's status when there is one", () => {
		expect(checkView({ answers: false, status: 502, error: 'Bad Gateway', via: 'proxy', duration_ms: 3 }).text).toBe(
			'No answer: Bad Gateway (HTTP 502, 3 ms)'
		);
		const refused = checkView({ answers: false, error: 'dial tcp 127.0.0.1:9: connect: connection refused', via: 'upstream', duration_ms: 0.4 });
		expect(refused).toEqual({
			answers: false,
			text: 'No answer: dial tcp 127.0.0.1:9: connect: connection refused (0 ms)',
			via: 'at the target (NPM routes it)'
		});
	});

	it('copes with a missing error and an unknown via', () => {
		expect(checkView({ answers: false, via: 'elsewhere', duration_ms: 5000 })).toEqual({
			answers: false,
			text: 'No answer: no response (5000 ms)',
			via: ''
		});
	});

	it('counts a redirect or a 404 as an answer', () => {
		expect(checkView({ answers: true, status: 302, via: 'upstream', duration_ms: 1 }).text).toBe('Answers (HTTP 302, 1 ms)');
	});
});
