/** Pure logic of the dashboard: GET /api/summary as tiles, states and next steps; live events as lines. */

import { recordStateLabel, reportCounts, reportIdle } from './dns-records';
import { providerName } from './dns';
import { formatDateTime, sentence, type Tone } from './format';
import { ENGINE_DOWN_MESSAGE } from './instances';
import type { LiveEvent } from './events.svelte';
import { DNS_RECORD_STATES } from './types/dns';
import type { Summary } from './types/summary';

/** Where the pages are. */
const PAGES = {
	apps: '/apps',
	instances: '/instances',
	proxies: '/proxies',
	dns: '/dns',
	settings: '/settings',
	certificates: '/settings#certificates'
} as const;

function plural(n: number, one: string, many = one + 's'): string {
	return `${n} ${n === 1 ? one : many}`;
}

/** One count of the dashboard. */
export interface CountTile {
	id: string;
	label: string;
	/** The count; "—" while loading. */
	value: string;
	/** A line under it; "" while loading. */
	detail: string;
	href: string;
	/** Set when the count needs attention. */
	tone?: Tone;
}

/** The record states of a summary, in the order of the DNS page, as "2 synced, 1 pending". */
export function stateCounts(states: Readonly<Record<string, number>>): string {
	const known: readonly string[] = DNS_RECORD_STATES;
	const order = [...known.filter((s) => states[s]), ...Object.keys(states).filter((s) => !known.includes(s)).sort()];
	return order
		.filter((s) => states[s] > 0)
		.map((s) => `${states[s]} ${recordStateLabel(s).toLowerCase()}`)
		.join(', ');
}

/** The counts: apps, running instances, standalone proxies, DNS records, certificates expiring soon. */
export function countTiles(s: Summary | null): CountTile[] {
	const tile = (id: string, label: string, href: string, count: (s: Summary) => [number, string, Tone?]): CountTile => {
		if (!s) return { id, label, href, value: '—', detail: '' };
		const [n, detail, tone] = count(s);
		return { id, label, href, value: String(n), detail, tone };
	};
	return [
		tile('apps', 'Apps', PAGES.apps, (s) => [
			s.apps,
			s.apps === 0 ? 'None yet: add one to deploy its tags' : plural(s.instances.total, 'instance')
		]),
		tile('instances', 'Running instances', PAGES.instances, ({ instances: i }) => {
			if (i.total === 0) return [0, 'None deployed yet'];
			const more = [i.deploying && `${i.deploying} deploying`, i.failed && `${i.failed} failed`].filter(Boolean);
			return [i.running, [`of ${i.total}`, ...more].join(', '), i.failed ? 'bad' : undefined];
		}),
		tile('proxies', 'Standalone proxies', PAGES.proxies, (s) => [
			s.proxies,
			s.proxies === 0 ? 'None yet: route any domain to any host' : `${s.proxies === 1 ? 'domain' : 'domains'} routed`
		]),
		tile('records', 'DNS records', PAGES.dns, ({ dns }) => {
			if (dns.records === 0) return [0, dns.mode === 'wildcard' ? 'Wildcard mode: none written' : 'None needed yet'];
			const bad = (dns.states.error ?? 0) + (dns.states.conflict ?? 0);
			return [dns.records, stateCounts(dns.states), bad ? 'bad' : undefined];
		}),
		tile('certificates', 'Certificates expiring soon', PAGES.certificates, ({ certificates: c }) => {
			if (!c.enabled) return [c.expiring_soon, 'HTTPS certificates are off'];
			if (c.total === 0) return [0, 'None obtained yet'];
			const next = c.next_expiry ? `, next ends ${formatDateTime(c.next_expiry)}` : '';
			return [c.expiring_soon, `of ${c.total}${next}`, c.expiring_soon ? 'warn' : undefined];
		})
	];
}

/** How DNS is run: the mode's name and what it means. */
export function dnsMode(s: Summary): { label: string; text: string } {
	if (s.dns.mode === 'managed') {
		const zone = s.dns.zone_name ? `, zone ${s.dns.zone_name}` : '';
		return { label: 'Managed', text: `One record per name at ${providerName(s.dns.provider)}${zone}.` };
	}
	return {
		label: 'Wildcard',
		text: s.domain
			? `A record *.${s.domain} is assumed to point here; nothing is written to a DNS provider.`
			: 'A wildcard record is assumed to cover every name; no domain is set yet.'
	};
}

/** The last sync's counts for people; null before the first sync. */
export function lastSyncCounts(s: Summary): string | null {
	const last = s.dns.last_sync;
	if (!last) return null;
	const report = { ...last, records: null };
	return reportIdle(report) ? 'nothing to do in wildcard mode' : reportCounts(report);
}

/** One thing the dashboard checks: the Docker Engine, the DNS provider, the ACME CA. */
export interface Reachability {
	id: 'engine' | 'dns' | 'acme';
	label: string;
	state: string;
	tone: Tone;
	detail: string;
}

type Judgement = Pick<Reachability, 'state' | 'tone' | 'detail'>;

/** The judgement of `state` in `table`; an unknown state as it is. */
function judge(table: Record<string, Judgement>, state: string): Judgement {
	return Object.prototype.hasOwnProperty.call(table, state) ? table[state] : { state: state.replace(/_/g, ' '), tone: 'neutral', detail: '' };
}

/** Whether the engine, the DNS provider and ACME work, from what the server saw last. */
export function reachability(s: Summary): Reachability[] {
	const engine: Judgement =
		s.engine === 'ok'
			? { state: 'Reachable', tone: 'ok', detail: 'Deploys and actions work.' }
			: { state: 'Unreachable', tone: 'bad', detail: ENGINE_DOWN_MESSAGE };
	const when = s.dns.last_error_at ? ` (${formatDateTime(s.dns.last_error_at)})` : '';
	const dns = judge(
		{
			none: { state: 'Not used', tone: 'off', detail: 'Wildcard mode: nothing is written to a provider.' },
			unknown: { state: 'Not checked yet', tone: 'neutral', detail: 'No sync has run in managed mode yet.' },
			ok: { state: 'Reachable', tone: 'ok', detail: 'The last sync went through.' },
			error: { state: 'Error', tone: 'bad', detail: `${sentence(s.dns.last_error || 'The last sync failed.')}${when}` }
		},
		s.dns.provider_state
	);
	const c = s.certificates;
	const acme = judge(
		{
			off: {
				state: 'Off',
				tone: 'off',
				detail: s.domain
					? 'No certificates are planned: ACME is off, or another router serves HTTPS.'
					: 'Set a domain to get certificates.'
			},
			pending: { state: 'Obtaining', tone: 'busy', detail: 'Certificates are being obtained from the CA.' },
			ok: { state: 'OK', tone: 'ok', detail: c.total === 1 ? 'The certificate is valid.' : `All ${c.total} certificates are valid.` },
			error: { state: 'Error', tone: 'bad', detail: sentence(c.last_error || 'A certificate could not be obtained.') }
		},
		c.acme
	);
	return [
		{ id: 'engine', label: 'Docker Engine', ...engine },
		{ id: 'dns', label: s.dns.provider ? `DNS provider (${providerName(s.dns.provider)})` : 'DNS provider', ...dns },
		{ id: 'acme', label: 'Certificates (ACME)', ...acme }
	];
}

/** A next step of an install that is not set up yet. */
export interface NextStep {
	id: string;
	/** The link's text, e.g. "Set your domain in Settings". */
	action: string;
	detail: string;
	href: string;
}

/** What to do next, first things first; empty once the basics are done. */
export function nextSteps(s: Summary): NextStep[] {
	const steps: NextStep[] = [];
	if (!s.domain) {
		steps.push({ id: 'domain', action: 'Set your domain in Settings', detail: 'Instances get their names under it, and certificates need it.', href: PAGES.settings });
	}
	if (s.apps === 0) {
		steps.push({ id: 'app', action: 'Add an app', detail: 'An image repository to watch: its tags are deployed as instances.', href: PAGES.apps });
	} else if (s.instances.total === 0) {
		steps.push({ id: 'deploy', action: 'Deploy a tag', detail: 'Run a tag of an app as an instance with its own name.', href: PAGES.instances });
	}
	if (s.apps === 0 && s.proxies === 0) {
		steps.push({ id: 'proxy', action: 'Add a standalone proxy', detail: 'Route any domain to any host and port.', href: PAGES.proxies });
	}
	return steps;
}

/** A live event for people, and the page that shows what changed: the instance's or the app's own, when the event names one. */
export function eventLabel(e: Pick<LiveEvent, 'kind' | 'subject' | 'id'>): { text: string; href: string | null } {
	const subject = e.subject ? e.subject[0].toUpperCase() + e.subject.slice(1).replace(/_/g, ' ') : '';
	const named = (what: string) => (e.id ? `${what} ${e.id}` : what);
	const own = (list: string) => (e.id ? `${list}/${e.id}` : list);
	switch (e.kind) {
		case 'consumers_changed':
			if (e.subject === 'proxy') return { text: `${named('Proxy')} changed`, href: PAGES.proxies };
			if (e.subject === 'instance') return { text: `${named('Instance')} changed`, href: own(PAGES.instances) };
			return { text: subject ? `${named(subject)} changed` : 'Routes changed', href: null };
		case 'instance_progress':
			return { text: `${named('Instance')}: deploying`, href: own(PAGES.instances) };
		case 'apps_changed':
			// Subject "check": the registry was asked for the app's tags.
			if (e.subject === 'check') return { text: `${named('App')}: registry checked`, href: own(PAGES.apps) };
			return { text: `${named('App')} changed`, href: own(PAGES.apps) };
		case 'settings_changed':
			return { text: 'Settings saved', href: PAGES.settings };
		case 'dns_synced':
			return { text: 'DNS synced', href: PAGES.dns };
		case 'certificates_changed':
			return { text: 'Certificates changed', href: PAGES.certificates };
		default: {
			const kind = e.kind.replace(/_/g, ' ');
			return { text: kind ? kind[0].toUpperCase() + kind.slice(1) : 'Something changed', href: null };
		}
	}
}

/** One line of the recent events: repeats in a row are one line with a count. */
export interface RecentItem {
	text: string;
	href: string | null;
	/** The newest of the repeats (ms since the epoch). */
	at: number;
	count: number;
}

/** The recent events (newest first) as at most `limit` lines, repeats in a row folded into one. */
export function recentItems(events: readonly LiveEvent[], limit = 8): RecentItem[] {
	const out: RecentItem[] = [];
	for (const e of events) {
		const last = out.at(-1);
		const { text, href } = eventLabel(e);
		if (last && last.text === text) {
			last.count++;
			continue;
		}
		if (out.length === limit) break;
		out.push({ text, href, at: e.at, count: 1 });
	}
	return out;
}
