/** Pure logic of the routes of proxies and instances: state badges, route checks. */

import { badgeView, type BadgeView, type StateBadge } from './format';
import type { RouteCheck, RouteState } from './types/proxy';

const STATES: Record<RouteState, StateBadge> = {
	active: { label: 'Active', tone: 'ok', description: 'Routed: requests for the name reach the target.' },
	stopped: { label: 'Stopped', tone: 'off', description: 'The instance does not run: requests are answered 503.' },
	deploying: { label: 'Starting', tone: 'busy', description: 'The instance is on its way up: requests are answered 503 until it runs.' },
	conflict: {
		label: 'Conflict',
		tone: 'warn',
		description: 'The router holds the name for an entry Docker Watcher did not create; it is left as it is.'
	},
	error: { label: 'Error', tone: 'bad', description: 'The router refused the route or could not be reached.' },
	pending: { label: 'Pending', tone: 'busy', description: 'Not applied yet: the router is being reached (Nginx Proxy Manager is synced in the background).' },
	none: { label: 'No route', tone: 'neutral', description: 'Not routed: no domain is set, or another proxy or instance has the name.' }
};

/** A route state for people: label, colour and meaning; an unknown state readable as it is. */
export function routeState(state: RouteState | string): BadgeView {
	return badgeView(STATES, state);
}

/** The router for people. */
export function routerName(router: string): string {
	switch (router) {
		case 'builtin': return 'the built-in proxy';
		case 'npm': return 'Nginx Proxy Manager';
		default: return router;
	}
}

export interface CheckView {
	answers: boolean;
	/** "Answers (HTTP 200, 12 ms)", "No answer: Bad Gateway (HTTP 502, 3 ms)". */
	text: string;
	/** Where it was asked: "through the built-in proxy", "at the target (NPM routes it)"; "" when unknown. */
	via: string;
}

/** A route check's answer in one line, and where it was asked. */
export function checkView(c: RouteCheck): CheckView {
	const details = [c.status ? `HTTP ${c.status}` : '', `${Math.max(0, Math.round(c.duration_ms))} ms`].filter(Boolean).join(', ');
	const text = c.answers ? `Answers (${details})` : `No answer: ${c.error || 'no response'} (${details})`;
	return { answers: c.answers, text, via: checkVia(c.via) };
}

function checkVia(via: string): string {
	switch (via) {
		case 'proxy': return 'through the built-in proxy';
		case 'upstream': return 'at the target (NPM routes it)';
		default: return '';
	}
}
