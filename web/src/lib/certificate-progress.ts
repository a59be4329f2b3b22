/**
 * Pure logic of following certificate issuance on the Certificates card:
 * a run is the certificates seen being obtained (or asked for with Renew
 * now), each followed from its state then until an attempt ended (its
 * last_attempt_at moved on): issued, or failed with the CA's message.
 */
import { challengeLabel } from './certificates';
import { plural } from './dns-records';
import { formatDateTime, sentence } from './format';
import type { StepView } from './steps';
import type { Certificate } from './types/certificate';

/** One certificate of a run. */
export interface TrackedCertificate {
	key: string;
	/** As it was when the run took it. */
	start: Certificate;
	/** As the list shows it now; null once it is no longer planned. */
	now: Certificate | null;
}

export interface IssuanceRun {
	certificates: TrackedCertificate[];
	/** Started by Renew now: every planned certificate, each until an attempt ended. */
	asked: boolean;
}

/** Where one certificate is in its run. */
export type IssuanceState = 'queued' | 'obtaining' | 'issued' | 'failed' | 'gone';

/** A certificate by its first name (the wildcard's is "*.domain"). */
export function certificateKey(c: Pick<Certificate, 'names'>): string {
	return c.names[0] ?? '';
}

/** Being obtained now, or about to be: a DNS-01 certificate not obtained yet is asked for at once. */
export function inFlight(c: Pick<Certificate, 'state' | 'challenge'>): boolean {
	return c.state === 'obtaining' || c.state === 'renewing' || (c.state === 'pending' && c.challenge === 'dns-01');
}

/** Where a certificate of a run is. */
export function issuanceState(t: TrackedCertificate, asked: boolean): IssuanceState {
	const c = t.now;
	if (!c) return 'gone';
	if (c.state === 'obtaining' || c.state === 'renewing') return 'obtaining';
	// No attempt ended since the run took it: still to come.
	const attempted = (c.last_attempt_at ?? null) !== (t.start.last_attempt_at ?? null);
	if (!attempted && (asked || inFlight(c))) return 'queued';
	if (c.state === 'valid') return 'issued';
	if (c.state === 'error' || c.state === 'expiring') return 'failed';
	return 'queued';
}

const track = (c: Certificate): TrackedCertificate => ({ key: certificateKey(c), start: c, now: c });

/** A run of the certificates in flight in `list` (all of them when asked with Renew now); null when none is. */
export function startRun(list: readonly Certificate[], asked: boolean): IssuanceRun | null {
	const certificates = (asked ? list : list.filter(inFlight)).map(track);
	return certificates.length > 0 ? { certificates, asked } : null;
}

/** The run after a new list: each certificate's state now, and the ones newly in flight join it. */
export function updateRun(run: IssuanceRun, list: readonly Certificate[]): IssuanceRun {
	const byKey = new Map(list.map((c) => [certificateKey(c), c]));
	const certificates = run.certificates.map((t) => ({ ...t, now: byKey.get(t.key) ?? null }));
	for (const c of list) {
		if (inFlight(c) && !certificates.some((t) => t.key === certificateKey(c))) certificates.push(track(c));
	}
	return { ...run, certificates };
}

/** How many of the run's certificates are settled (issued, failed or no longer planned), of how many. */
export function runCounts(run: IssuanceRun): { settled: number; total: number; failed: number } {
	const states = run.certificates.map((t) => issuanceState(t, run.asked));
	const settled = states.filter((s) => s === 'issued' || s === 'failed' || s === 'gone').length;
	return { settled, total: states.length, failed: states.filter((s) => s === 'failed').length };
}

/** Whether every certificate of the run is settled. */
export function runFinished(run: IssuanceRun): boolean {
	const { settled, total } = runCounts(run);
	return settled === total;
}

/** "*.example.com and example.com", "a, b and c". */
function nameList(names: string[]): string {
	return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The toasts of a finished run: the issued ones, and the failures with the CA's message. */
export function runMessages(run: IssuanceRun): { success: string | null; error: string | null } {
	const of = (state: IssuanceState) => run.certificates.filter((t) => issuanceState(t, run.asked) === state);
	const issuedCerts = of('issued');
	const issued = issuedCerts.flatMap((t) => t.now?.names ?? []);
	const failed = of('failed');
	let error: string | null = null;
	if (failed.length > 0) {
		const first = failed[0];
		const more = failed.length > 1 ? ` ${plural(failed.length - 1, 'other certificate')} failed too.` : '';
		error = `Could not obtain the certificate for ${nameList(first.now?.names ?? [first.key])}: ${sentence(first.now?.last_error || 'the CA gave no reason')}${more}`;
	}
	const success = issuedCerts.length > 0 ? `${issuedCerts.length === 1 ? 'Certificate' : 'Certificates'} issued for ${nameList(issued)}.` : null;
	return { success, error };
}

/** The steps of a run: asked, the names proven (with a bar), issued. */
export function runSteps(run: IssuanceRun): StepView[] {
	const { settled, total, failed } = runCounts(run);
	const states = run.certificates.map((t) => issuanceState(t, run.asked));
	const started = states.some((s) => s !== 'queued');
	const finished = settled === total;
	const challenges = [...new Set(run.certificates.map((t) => challengeLabel(t.start.challenge)))].join(' and ');
	const firstError = run.certificates.find((t, i) => states[i] === 'failed')?.now?.last_error ?? '';
	return [
		{ step: 'ask', label: `Ask the CA for ${plural(total, 'certificate')}`, state: started ? 'done' : 'current', detail: started ? '' : 'Waiting for the CA…' },
		{
			step: 'prove',
			label: `Prove the names (${challenges})`,
			state: !started ? 'todo' : !finished ? 'current' : failed > 0 ? 'failed' : 'done',
			detail: finished ? (failed > 0 ? sentence(firstError) : '') : started ? `${settled} of ${total} done` : '',
			fraction: started && !finished ? settled / total : null
		},
		{ step: 'issued', label: 'Issued', state: finished && failed === 0 ? 'done' : 'todo', detail: '' }
	];
}

/** What one certificate of the run shows: its state in a word, and until when it is valid or why it failed. */
export function trackedLine(t: TrackedCertificate, asked: boolean): { label: string; tone: string; detail: string } {
	switch (issuanceState(t, asked)) {
		case 'issued':
			return { label: 'issued', tone: 'ok', detail: t.now?.not_after ? `valid until ${formatDateTime(t.now.not_after)}` : '' };
		case 'failed':
			return { label: 'failed', tone: 'bad', detail: t.now?.last_error ?? '' };
		case 'obtaining':
			return { label: t.now?.state === 'renewing' ? 'renewing' : 'obtaining', tone: 'busy', detail: '' };
		case 'gone':
			return { label: 'no longer planned', tone: 'off', detail: '' };
		default:
			return { label: 'queued', tone: 'off', detail: '' };
	}
}
