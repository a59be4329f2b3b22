/** Pure logic of the DNS records page: state badges, sync reports, plan lines. */

import { stateBadge, type StateBadge, type Tone } from './format';
import type {
	DnsCleanup,
	DnsRecord,
	DnsRecordFilter,
	DnsRecordState,
	DnsSyncAction,
	DnsSyncLine,
	DnsSyncReport
} from './types/dns';

const STATES: Record<DnsRecordState, StateBadge> = {
	synced: { label: 'Synced', tone: 'ok', description: 'The record is at the provider as expected.' },
	pending: { label: 'Pending', tone: 'neutral', description: 'Expected, not yet at the provider.' },
	grace: {
		label: 'Grace period',
		tone: 'warn',
		description: 'The instance is stopped; its record stays until the grace period ends.'
	},
	deleting: { label: 'Deleting', tone: 'warn', description: 'Being deleted at the provider.' },
	orphan: { label: 'Orphan', tone: 'warn', description: 'Owned, but no consumer needs it any more: the next sync deletes it.' },
	conflict: {
		label: 'Conflict',
		tone: 'bad',
		description: 'A record Docker Watcher did not create holds the name; it is left as it is.'
	},
	error: { label: 'Error', tone: 'bad', description: 'The last attempt failed.' },
	outside_zone: { label: 'Outside zone', tone: 'off', description: 'The name is not in the configured zone: nothing is written.' },
	wildcard: { label: 'Wildcard', tone: 'busy', description: 'Covered by the wildcard record; nothing is written.' },
	earlier_zone: {
		label: 'Left in an earlier zone',
		tone: 'moved',
		description: 'Created in a zone you no longer use: the next sync removes it there.'
	}
};

const stateInfo = (state: string): StateBadge => stateBadge(STATES, state);

/** A record state for people: "Synced", "Grace period"; an unknown one readable as it is. */
export function recordStateLabel(state: DnsRecordState | string): string {
	return stateInfo(state).label;
}

/** The colour of a record state's badge. */
export function recordStateTone(state: DnsRecordState | string): Tone {
	return stateInfo(state).tone;
}

/** The class list of a record state's badge, e.g. "badge tone-ok". */
export function recordStateClass(state: DnsRecordState | string): string {
	return `badge tone-${recordStateTone(state)}`;
}

/** What a record state means; "" for an unknown one. */
export function recordStateDescription(state: DnsRecordState | string): string {
	return stateInfo(state).description;
}

type Kind = Exclude<DnsRecord['consumer_kind'], ''>;
const KIND_LABELS: Partial<Record<Kind, string>> = { instance: 'Instance', proxy: 'Proxy', ui: 'Web UI' };
/** ui: the name is set among the settings (ui_domain). */
const KIND_PAGES: Partial<Record<Kind, string>> = { instance: '/instances', proxy: '/proxies', ui: '/settings' };

export interface ConsumerView {
	/** "Instance", "Proxy"; "" when the record has no consumer. */
	kind: string;
	/** The consumer's name; "" when none, or when it is gone. */
	name: string;
	/** The page that lists the consumer; null when there is none. */
	href: string | null;
	/** The consumer was removed (an orphan record keeps its old kind and id). */
	gone: boolean;
}

/** Who needs a record: kind, name and the page that lists it. */
export function consumerOf(
	r: Pick<DnsRecord, 'consumer_kind' | 'consumer_id' | 'consumer_name' | 'state'>
): ConsumerView {
	const kind = r.consumer_kind;
	if (!kind) return { kind: '', name: '', href: null, gone: r.state === 'orphan' };
	const label = KIND_LABELS[kind] ?? String(kind);
	if (r.state === 'orphan') return { kind: label, name: '', href: null, gone: true };
	return {
		kind: label,
		name: r.consumer_name || (r.consumer_id ? `#${r.consumer_id}` : ''),
		href: KIND_PAGES[kind] ?? null,
		gone: false
	};
}

const earlier = (r: DnsRecord) => (r.state === 'earlier_zone' ? 1 : 0);

/**
 * Records by name, then type (A before AAAA), then those of the current zone
 * before those left in earlier zones, so that the table does not jump
 * between loads.
 */
export function sortRecords(records: readonly DnsRecord[]): DnsRecord[] {
	return [...records].sort(
		(a, b) =>
			a.fqdn.localeCompare(b.fqdn) ||
			a.type.localeCompare(b.type) ||
			earlier(a) - earlier(b) ||
			(a.zone_name ?? '').localeCompare(b.zone_name ?? '')
	);
}

/**
 * One key per record for the table: name and type, and the zone of a record
 * left in an earlier zone (the same name can be in the current zone and in
 * one or more earlier ones); a repeat gets a counter, so keys never collide.
 */
export function recordKeys(records: readonly DnsRecord[]): string[] {
	const seen = new Map<string, number>();
	return records.map((r) => {
		const base = r.state === 'earlier_zone' ? `${r.fqdn} ${r.type} in ${r.zone_name ?? ''}` : `${r.fqdn} ${r.type}`;
		const n = seen.get(base) ?? 0;
		seen.set(base, n + 1);
		return n === 0 ? base : `${base} #${n + 1}`;
	});
}

/** How an earlier zone is named: its name, else its id. */
export function cleanupZone(c: Pick<DnsCleanup, 'zone_name' | 'zone_id'>): string {
	return c.zone_name || c.zone_id || 'an unnamed zone';
}

/** "1 record left", "3 records left". */
export function cleanupCount(c: Pick<DnsCleanup, 'records'>): string {
	return `${plural(c.records, 'record')} left`;
}

/** Whether any filter narrows the list. */
export function filtersActive(f: DnsRecordFilter): boolean {
	return !!(f.q?.trim() || f.state || f.kind);
}

/** "1 record", "3 records". */
export function plural(n: number, one: string, many = one + 's'): string {
	return `${n} ${n === 1 ? one : many}`;
}

/** A sync's duration: "41 ms", "1.2 s", "75 s". */
export function formatMillis(ms: number): string {
	const n = Math.max(0, Math.round(ms || 0));
	if (n < 1000) return `${n} ms`;
	if (n < 10_000) return `${(n / 1000).toFixed(1)} s`;
	return `${Math.round(n / 1000)} s`;
}

/** The counts of a report: "2 created, 0 updated, 1 deleted, 3 in sync, 1 conflict, 0 errors" (dry run: "2 to create, …"). */
export function reportCounts(r: DnsSyncReport): string {
	const changes = r.dry_run
		? [`${r.created} to create`, `${r.updated} to update`, `${r.deleted} to delete`]
		: [`${r.created} created`, `${r.updated} updated`, `${r.deleted} deleted`];
	return [...changes, `${r.already_synced} in sync`, plural(r.conflicts, 'conflict'), plural(r.errors, 'error')].join(', ');
}

/** The cost of a report: "2 API calls, 41 ms". */
export function reportCost(r: DnsSyncReport): string {
	return `${plural(r.api_calls, 'API call')}, ${formatMillis(r.duration_ms)}`;
}

/**
 * Whether a report is of wildcard mode with nothing done: no record was
 * removed from an earlier zone (which a sync does in every mode), none failed.
 */
export function reportIdle(r: Pick<DnsSyncReport, 'mode' | 'deleted' | 'errors'>): boolean {
	return r.mode === 'wildcard' && r.deleted === 0 && r.errors === 0;
}

/**
 * One line for a whole report, e.g. "Sync done: 2 created, 0 updated,
 * 1 deleted, 3 in sync, 1 conflict, 0 errors — 2 API calls, 41 ms".
 */
export function reportSummary(r: DnsSyncReport): string {
	if (reportIdle(r)) {
		return `${r.dry_run ? 'Dry run' : 'Sync'}: nothing to do in wildcard mode; no record is written to a provider.`;
	}
	return `${r.dry_run ? 'Dry run' : 'Sync done'}: ${reportCounts(r)} — ${reportCost(r)}`;
}

/** How a report's toast looks: an error when a record failed, info for conflicts, else success. */
export function reportKind(r: DnsSyncReport): 'success' | 'info' | 'error' {
	if (r.errors > 0) return 'error';
	if (r.conflicts > 0) return 'info';
	return 'success';
}

const ACTIONS: Record<DnsSyncAction, { planned: string; done: string; tone: Tone }> = {
	create: { planned: 'Create', done: 'Created', tone: 'ok' },
	update: { planned: 'Update', done: 'Updated', tone: 'busy' },
	delete: { planned: 'Delete', done: 'Deleted', tone: 'warn' },
	in_sync: { planned: 'In sync', done: 'In sync', tone: 'off' },
	conflict: { planned: 'Conflict', done: 'Conflict', tone: 'bad' },
	outside_zone: { planned: 'Outside zone', done: 'Outside zone', tone: 'off' },
	error: { planned: 'Error', done: 'Failed', tone: 'bad' }
};

function actionInfo(action: string) {
	return Object.prototype.hasOwnProperty.call(ACTIONS, action) ? ACTIONS[action as DnsSyncAction] : undefined;
}

/** A line's action for people: "Create" in a dry run, "Created" after a sync. */
export function actionLabel(action: DnsSyncAction | string, dryRun: boolean): string {
	const info = actionInfo(action);
	if (!info) return action.replace(/_/g, ' ');
	return dryRun ? info.planned : info.done;
}

/** The colour of a line's action badge. */
export function actionTone(action: DnsSyncAction | string): Tone {
	return actionInfo(action)?.tone ?? 'neutral';
}

/** A report line as text: "Create A app.example.com → 203.0.113.10", with the error after a colon. */
export function syncLineText(line: DnsSyncLine, dryRun: boolean): string {
	const target = line.content ? ` → ${line.content}` : '';
	const error = line.error ? `: ${line.error}` : '';
	return `${actionLabel(line.action, dryRun)} ${line.type} ${line.fqdn}${target}${error}`;
}

const ACTION_ORDER: readonly string[] = ['error', 'conflict', 'create', 'update', 'delete', 'outside_zone', 'in_sync'];

/**
 * A report's lines split in those worth reading (changes, conflicts,
 * errors: problems first) and those already in sync.
 */
export function reportLines(r: DnsSyncReport): { changes: DnsSyncLine[]; inSync: DnsSyncLine[] } {
	const lines = r.records ?? [];
	const rank = (a: string) => {
		const i = ACTION_ORDER.indexOf(a);
		return i < 0 ? ACTION_ORDER.length : i;
	};
	const changes = lines
		.filter((l) => l.action !== 'in_sync')
		.sort((a, b) => rank(a.action) - rank(b.action) || a.fqdn.localeCompare(b.fqdn) || a.type.localeCompare(b.type));
	const inSync = lines.filter((l) => l.action === 'in_sync').sort((a, b) => a.fqdn.localeCompare(b.fqdn));
	return { changes, inSync };
}

/** The toast after a delete: "Deleted the A and AAAA records of app.example.com." */
export function deletedMessage(fqdn: string, deleted: readonly { type: string }[] | null | undefined): string {
	const types = [...new Set((deleted ?? []).map((d) => d.type))].sort();
	if (types.length === 0) return `Deleted the records of ${fqdn}.`;
	if (types.length === 1) return `Deleted the ${types[0]} record of ${fqdn}.`;
	return `Deleted the ${types.slice(0, -1).join(', ')} and ${types.at(-1)} records of ${fqdn}.`;
}
