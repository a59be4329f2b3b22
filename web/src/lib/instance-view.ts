/**
 * Pure logic of the instance list and page beyond the instance itself:
 * its DNS record (from one GET /api/dns/records?kind=instance for the
 * whole list), since when it is in its status, the app filter.
 */

import { recordStateClass, recordStateDescription, recordStateLabel } from './dns-records';
import { formatRelative, relativeFormat } from './relative-time';
import type { DnsConsumerKind, DnsRecord } from './types/dns';
import type { Instance } from './types/instance';

/** The records of each consumer of one kind (instances, or standalone proxies), by its id (consumer_id). */
export function recordsByConsumer(
	records: readonly DnsRecord[] | null | undefined,
	kind: DnsConsumerKind
): Map<number, DnsRecord[]> {
	const out = new Map<number, DnsRecord[]>();
	for (const r of records ?? []) {
		if (r.consumer_kind !== kind || !r.consumer_id) continue;
		const list = out.get(r.consumer_id);
		if (list) list.push(r);
		else out.set(r.consumer_id, [r]);
	}
	return out;
}

/** The records of each instance, by instance id. */
export const recordsByInstance = (records: readonly DnsRecord[] | null | undefined) => recordsByConsumer(records, 'instance');

/** The worse first: the state a summary of several records shows. */
const SEVERITY: readonly string[] = ['error', 'conflict', 'deleting', 'pending', 'orphan', 'grace', 'outside_zone', 'wildcard', 'synced'];

function severity(state: string): number {
	const i = SEVERITY.indexOf(state);
	// A state this UI does not know (a newer server) counts as worth a look.
	return i < 0 ? 2 : i;
}

export interface DnsSummary {
	/** The state shown (the worst of the records'); null when there is none or it is unknown. */
	state: string | null;
	label: string;
	/** The badge's classes; "" for plain text. */
	className: string;
	/** Each record and what its state means. */
	title: string;
}

/** Why a consumer of each kind has no record. */
const NO_RECORD: Record<DnsConsumerKind, string> = {
	instance: 'No record: the instance is not routed (stopped past its grace period, or no domain is set).',
	proxy: 'No record: none is expected for the domain.'
};

/**
 * The DNS state of one instance (or proxy): the worst state of its records
 * (A, and AAAA with an IPv6 target) — records left in an earlier zone are
 * the cleanup's business, not the consumer's. `records` undefined: the
 * list could not be loaded.
 */
export function dnsSummary(records: readonly DnsRecord[] | undefined, kind: DnsConsumerKind = 'instance'): DnsSummary {
	if (records === undefined) {
		return { state: null, label: 'Unknown', className: '', title: 'The DNS records could not be loaded.' };
	}
	const current = records.filter((r) => r.state !== 'earlier_zone');
	if (current.length === 0) {
		return {
			state: null,
			label: 'None',
			className: '',
			title: NO_RECORD[kind]
		};
	}
	const worst = current.reduce((a, b) => (severity(b.state) < severity(a.state) ? b : a));
	const lines = current.map((r) => {
		const error = r.last_error ? ` (${r.last_error})` : '';
		return `${r.type} ${r.fqdn}${r.content ? ' → ' + r.content : ''}: ${recordStateLabel(r.state)}${error}`;
	});
	const meaning = recordStateDescription(worst.state);
	return {
		state: worst.state,
		label: recordStateLabel(worst.state),
		className: recordStateClass(worst.state),
		title: [...lines, meaning].filter(Boolean).join('\n')
	};
}

const ZERO_TIME = '0001-01-01';

function validTime(iso: string | null | undefined): boolean {
	return !!iso && !iso.startsWith(ZERO_TIME) && !Number.isNaN(new Date(iso).getTime());
}

/** Since when the instance is in its status (running: when it started); created_at for rows older than that field. */
export function statusSince(inst: Pick<Instance, 'status_changed_at' | 'created_at'>): string {
	return validTime(inst.status_changed_at) ? inst.status_changed_at : inst.created_at;
}

const SINCE_VERBS: Record<string, string> = {
	running: 'started',
	stopped: 'stopped',
	failed: 'failed',
	deploying: 'deploy started'
};

/** When the status began, for people: "started 5 minutes ago", "stopped just now", "failed 2 days ago". */
export function sinceText(status: string, iso: string | null | undefined, now: number, format = relativeFormat): string {
	const ago = formatRelative(iso, now, format);
	if (ago === '—') return '';
	const verb = Object.prototype.hasOwnProperty.call(SINCE_VERBS, status) ? SINCE_VERBS[status] : 'changed';
	return `${verb} ${ago === format.format(0, 'second') ? 'just now' : ago}`;
}

/** The app to filter by, from the `app` query parameter: a positive id, else none. */
export function appFilter(param: string | null | undefined): number | null {
	if (!param || !/^\d+$/.test(param)) return null;
	const id = Number(param);
	return id > 0 && Number.isSafeInteger(id) ? id : null;
}

/** The instances of one app, or all of them. */
export function filterByApp<T extends Pick<Instance, 'app_id'>>(instances: readonly T[], appId: number | null): readonly T[] {
	return appId === null ? instances : instances.filter((i) => i.app_id === appId);
}

/** The query string that shows the instances of `appId` ("" for all). */
export function appQuery(appId: number | null): string {
	return appId === null ? '' : `?app=${appId}`;
}
