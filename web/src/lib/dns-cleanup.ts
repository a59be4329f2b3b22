/**
 * Pure logic of the removal of the records an earlier DNS configuration
 * left: a save that leaves a managed zone answers the zone with all its
 * records (dns_cleanups of the settings); the sync that follows removes
 * them. The UI follows each zone from that first sight: its records left,
 * whether a try ended (updated_at moved on) and how.
 */
import { providerName } from './dns';
import { cleanupZone, plural } from './dns-records';
import { sentence } from './format';
import type { StepView } from './steps';
import type { DnsCleanup } from './types/dns';

/** One earlier zone whose records are removed, as the UI follows it. */
export interface TrackedCleanup {
	key: string;
	/** The zone when it was first seen: its records then are the whole count. */
	start: DnsCleanup;
	/** The zone now; null once it is gone from the list (its records are removed). */
	now: DnsCleanup | null;
	/** Left by a save on this page: its outcome is told in a toast, and only a try ends it. */
	announce: boolean;
}

export type CleanupState = 'removing' | 'done' | 'failed';

/** The same zone of the same provider. */
export function cleanupKey(c: Pick<DnsCleanup, 'provider' | 'zone_id'>): string {
	return `${c.provider} ${c.zone_id}`;
}

/**
 * Where a zone's removal is: done once the zone is gone; failed when it
 * has an error that a try gave (for a zone this page left: a try ended
 * since, so an error of its records from before does not count); else
 * still removing (the sync has not run, or runs).
 */
export function cleanupState(t: TrackedCleanup): CleanupState {
	if (!t.now) return 'done';
	const tried = t.now.updated_at !== t.start.updated_at;
	return t.now.last_error && (tried || !t.announce) ? 'failed' : 'removing';
}

/**
 * The zones to follow after the settings said `list`: those followed
 * already take their new state (gone when not listed), new ones start
 * (announced when `announce`, i.e. a save on this page left them).
 */
export function updateCleanups(tracked: readonly TrackedCleanup[], list: readonly DnsCleanup[], announce: boolean): TrackedCleanup[] {
	const byKey = new Map(list.map((c) => [cleanupKey(c), c]));
	const out = tracked.map((t) => ({ ...t, now: byKey.get(t.key) ?? null }));
	for (const [key, c] of byKey) {
		if (!tracked.some((t) => t.key === key)) out.push({ key, start: c, now: c, announce });
	}
	return out;
}

/**
 * After a save: the removals that ended before it are history and go;
 * the rest are followed on, and the zones the save left (in `after`, not
 * in `before`) start, announced.
 */
export function savedCleanups(
	tracked: readonly TrackedCleanup[],
	before: readonly DnsCleanup[],
	after: readonly DnsCleanup[]
): TrackedCleanup[] {
	const known = new Set(before.map(cleanupKey));
	const kept = tracked.filter((t) => cleanupState(t) !== 'done');
	const fresh = updateCleanups(kept, after, true);
	// A zone that was left before this save and not followed yet (loaded
	// with the page) is not this save's doing.
	return fresh.map((t) => (!kept.some((k) => k.key === t.key) && known.has(t.key) ? { ...t, announce: false } : t));
}

/** Records of the zone removed so far, and the whole count. */
export function cleanupCounts(t: TrackedCleanup): { removed: number; total: number } {
	const total = t.start.records;
	return { removed: Math.max(0, total - (t.now?.records ?? 0)), total };
}

/** The zone and its provider: "example.com at Cloudflare". */
function where(c: DnsCleanup): string {
	return `${cleanupZone(c)} at ${providerName(c.provider)}`;
}

/** The toast, or the panel's last line, of a removal in `state`. */
export function cleanupMessage(t: TrackedCleanup, state: CleanupState = cleanupState(t)): string {
	const { removed, total } = cleanupCounts(t);
	switch (state) {
		case 'done':
			return `Removed ${total === 1 ? 'the record' : `the ${plural(total, 'record')}`} Docker Watcher created in ${where(t.start)}.`;
		case 'failed':
			return `Could not remove the records of ${cleanupZone(t.start)}: ${sentence(t.now?.last_error ?? '')} Every sync tries again.`;
		default:
			return `Removing ${plural(total, 'record')} from ${where(t.start)}: ${removed} of ${total} removed.`;
	}
}

/** The steps of one zone's removal: the zone left, its records removed, done. */
export function cleanupSteps(t: TrackedCleanup): StepView[] {
	const state = cleanupState(t);
	const { removed, total } = cleanupCounts(t);
	const remove: StepView = {
		step: 'remove',
		label: `Remove ${plural(total, 'record')} at ${providerName(t.start.provider)}`,
		state: state === 'done' ? 'done' : state === 'failed' ? 'failed' : 'current',
		detail: state === 'failed' ? (t.now?.last_error ?? '') : state === 'removing' ? `${removed} of ${total} removed` : '',
		fraction: state === 'removing' ? (total > 0 ? removed / total : 0) : null
	};
	return [
		{ step: 'left', label: `${cleanupZone(t.start)} is no longer managed`, state: 'done', detail: '' },
		remove,
		{ step: 'done', label: 'Done', state: state === 'done' ? 'done' : 'todo', detail: '' }
	];
}

/** Whether some zone is still to be removed (a failed one is tried again at every sync). */
export function cleanupsPending(tracked: readonly TrackedCleanup[]): boolean {
	return tracked.some((t) => cleanupState(t) !== 'done');
}
