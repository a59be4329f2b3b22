/** Small pure helpers for showing API data. */

import type { InstanceStatus } from './types/instance';

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A date and time for people; "—" for a missing or zero time. */
export function formatDateTime(iso: string | null | undefined, format = dateTimeFormat): string {
	if (!iso || iso.startsWith('0001-01-01')) return '—';
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return '—';
	return format.format(date);
}

/** A badge's colour: green, blue, grey, red, neutral, amber, purple. */
export type Tone = 'ok' | 'busy' | 'off' | 'bad' | 'neutral' | 'warn' | 'moved';

/** A state as a badge shows it: its word, its colour and what it means. */
export interface StateBadge {
	label: string;
	tone: Tone;
	/** For a filter's or a badge's description; "" for an unknown state. */
	description: string;
}

/**
 * The badge of `state` in `table`; an unknown state (one a newer server
 * sends) readable as it is ("half_open" as "half open"), in a neutral badge.
 */
export function stateBadge(table: Readonly<Record<string, StateBadge>>, state: string): StateBadge {
	if (Object.prototype.hasOwnProperty.call(table, state)) return table[state];
	return { label: state.replace(/_/g, ' '), tone: 'neutral', description: '' };
}

/** A state's badge with its classes. */
export interface BadgeView extends StateBadge {
	/** The badge's classes, e.g. "badge tone-ok". */
	className: string;
}

/** stateBadge with the badge's classes. */
export function badgeView(table: Readonly<Record<string, StateBadge>>, state: string): BadgeView {
	const badge = stateBadge(table, state);
	return { ...badge, className: `badge tone-${badge.tone}` };
}

/** The colour of an instance's status badge. */
export function statusTone(status: InstanceStatus | string): Tone {
	switch (status) {
		case 'running': return 'ok';
		case 'deploying': return 'busy';
		case 'stopped': return 'off';
		case 'failed': return 'bad';
		default: return 'neutral';
	}
}

/** Where to go after logging in: a local path only, never back to /login. */
export function safeNextPath(next: string | null | undefined, fallback = '/instances'): string {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
	if (next === '/login' || next.startsWith('/login?') || next.startsWith('/login/')) return fallback;
	return next;
}

/** A form's port input as a number for the API; 0 (refused by the API) when not a whole number. */
export function portValue(value: unknown): number {
	const n = typeof value === 'number' ? value : Number(String(value ?? '').trim() || NaN);
	return Number.isInteger(n) ? n : 0;
}

/** The forward target of a proxy, e.g. "http://127.0.0.1:3000". */
export function forwardTarget(p: { forward_scheme: string; forward_host: string; forward_port: number }): string {
	const host = p.forward_host.includes(':') && !p.forward_host.startsWith('[') ? `[${p.forward_host}]` : p.forward_host;
	return `${p.forward_scheme}://${host}:${p.forward_port}`;
}

/** A wait in seconds for people: "45 seconds", "2 minutes", "1 hour 5 minutes". */
export function formatDuration(seconds: number): string {
	const s = Math.max(0, Math.round(seconds));
	const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
	if (s < 60) return plural(s, 'second');
	const minutes = Math.ceil(s / 60);
	if (minutes < 60) return plural(minutes, 'minute');
	const h = Math.floor(minutes / 60);
	const m = minutes % 60;
	return m ? `${plural(h, 'hour')} ${plural(m, 'minute')}` : plural(h, 'hour');
}

/** A message as a sentence: capital first letter, closing full stop. */
export function sentence(message: string): string {
	const m = message.trim();
	if (!m) return m;
	const first = m[0].toUpperCase() + m.slice(1);
	return /[.!?]$/.test(first) ? first : first + '.';
}

/** When a token expires, for the tokens list: "Never", "Expired" or the date. */
export function formatExpiry(expiresAt: string | null, now = Date.now(), format = dateTimeFormat): string {
	if (!expiresAt) return 'Never';
	const date = new Date(expiresAt);
	if (Number.isNaN(date.getTime())) return '—';
	return date.getTime() <= now ? 'Expired' : format.format(date);
}
