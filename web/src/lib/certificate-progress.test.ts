import { describe, expect, it } from 'vitest';
import {
	inFlight,
	issuanceState,
	runCounts,
	runFinished,
	runMessages,
	runSteps,
	startRun,
	trackedLine,
	updateRun,
	type TrackedCertificate
} from './certificate-progress';
import { IssuanceWatch } from './certificate-progress.svelte';
import { makeCertificate } from './test/factories';
import type { Certificate } from './types/certificate';

const T0 = '2026-06-01T12:00:00Z';
const T1 = '2026-06-01T12:00:09Z';

/** A certificate not obtained yet, through DNS-01 (obtained at once) or HTTP-01 (at the first request). */
const wild = (o: Partial<Certificate> = {}) =>
	makeCertificate({ names: ['*.example.com'], state: 'pending', not_before: null, not_after: null, renewal_at: null, issuer: '', ...o });
const apex = (o: Partial<Certificate> = {}) => wild({ names: ['example.com'], ...o });
const shop = (o: Partial<Certificate> = {}) => wild({ names: ['shop.example.org'], challenge: 'http-01', ...o });
const issued = { state: 'valid', issuer: 'Pebble', not_before: T0, not_after: '2026-08-30T12:00:00Z', last_attempt_at: T1 };

const tracked = (start: Certificate, now: Certificate | null): TrackedCertificate => ({ key: start.names[0], start, now });

describe('inFlight and issuanceState', () => {
	it('takes what is being obtained, and DNS-01 certificates not obtained yet', () => {
		expect([wild(), shop(), wild({ state: 'obtaining' }), shop({ state: 'renewing' }), wild({ state: 'valid' }), wild({ state: 'error' })].map(inFlight)).toEqual([
			true,
			false,
			true,
			true,
			false,
			false
		]);
	});

	it.each([
		['queued: nothing happened yet', wild(), wild(), false, 'queued'],
		['obtaining', wild(), wild({ state: 'obtaining' }), false, 'obtaining'],
		['issued', wild(), wild(issued), false, 'issued'],
		['failed, with a new attempt time', wild(), wild({ state: 'error', last_error: 'refused', last_attempt_at: T1 }), false, 'failed'],
		['gone from the plan', wild(), null, false, 'gone'],
		// Renew now on a valid certificate: until an attempt ended, it is still to come.
		['asked, nothing happened yet', wild(issued), wild(issued), true, 'queued'],
		['asked, renewing', wild(issued), wild({ ...issued, state: 'renewing' }), true, 'obtaining'],
		['asked, renewed (the attempt time moved on)', wild(issued), wild({ ...issued, last_attempt_at: '2026-06-01T13:00:00Z' }), true, 'issued'],
		['asked, an HTTP-01 certificate not obtained yet', shop(), shop(), true, 'queued'],
		['asked, renewal failed: expiring', wild(issued), wild({ ...issued, state: 'expiring', last_error: 'x', last_attempt_at: '2026-06-01T13:00:00Z' }), true, 'failed'],
		// The card's sample lists may lack the field: as null.
		['no attempt time in the answer', wild({ last_attempt_at: undefined as unknown as null }), wild({ state: 'obtaining' }), false, 'obtaining']
	])('%s', (_name, start, now, asked, want) => {
		expect(issuanceState(tracked(start, now), asked)).toBe(want);
	});
});

describe('runs', () => {
	it('start with what is in flight (everything when asked), or not at all', () => {
		expect(startRun([wild(), apex(), shop(), wild({ names: ['x.example.com'], state: 'valid' })], false)?.certificates.map((t) => t.key)).toEqual([
			'*.example.com',
			'example.com'
		]);
		expect(startRun([shop(), wild(issued)], false)).toBeNull();
		expect(startRun([shop(), wild(issued)], true)?.certificates).toHaveLength(2);
		expect(startRun([], true)).toBeNull();
	});

	it('move on with each list; certificates newly in flight join; the end is counted', () => {
		let run = startRun([wild(), apex()], false)!;
		expect(runCounts(run)).toEqual({ settled: 0, total: 2, failed: 0 });
		run = updateRun(run, [wild({ state: 'obtaining' }), apex(), shop({ state: 'obtaining' })]);
		expect(run.certificates.map((t) => issuanceState(t, false))).toEqual(['obtaining', 'queued', 'obtaining']);
		run = updateRun(run, [wild(issued), apex({ state: 'error', last_error: 'refused', last_attempt_at: T1 }), shop(issued)]);
		expect(runCounts(run)).toEqual({ settled: 3, total: 3, failed: 1 });
		expect(runFinished(run)).toBe(true);
	});

	it('say what ended: the certificates issued, the first failure with its message', () => {
		const run = updateRun(startRun([wild(), apex(), shop({ state: 'obtaining' })], false)!, [
			wild(issued),
			apex({ state: 'error', last_error: 'urn:ietf:params:acme:error:dns: no TXT record found', last_attempt_at: T1 }),
			shop({ state: 'error', last_error: 'timeout', last_attempt_at: T1 })
		]);
		expect(runMessages(run)).toEqual({
			success: 'Certificate issued for *.example.com.',
			error: 'Could not obtain the certificate for example.com: Urn:ietf:params:acme:error:dns: no TXT record found. 1 other certificate failed too.'
		});
		const ok = updateRun(startRun([wild(), apex()], false)!, [wild(issued), apex(issued)]);
		expect(runMessages(ok)).toEqual({ success: 'Certificates issued for *.example.com and example.com.', error: null });
		// One certificate for two names.
		const pair = wild({ names: ['*.example.com', 'example.com'] });
		const one = updateRun(startRun([pair], false)!, [{ ...pair, ...issued }]);
		expect(runMessages(one).success).toBe('Certificate issued for *.example.com and example.com.');
	});

	it('list their steps: asked, proving with a bar, issued; a failure with its message', () => {
		let run = startRun([wild(), apex()], false)!;
		expect(runSteps(run).map((s) => [s.step, s.state])).toEqual([
			['ask', 'current'],
			['prove', 'todo'],
			['issued', 'todo']
		]);
		expect(runSteps(run)[0].label).toBe('Ask the CA for 2 certificates');
		run = updateRun(run, [wild(issued), apex({ state: 'obtaining' })]);
		const under = runSteps(run);
		expect(under.map((s) => s.state)).toEqual(['done', 'current', 'todo']);
		expect(under[1]).toMatchObject({ label: 'Prove the names (DNS-01)', detail: '1 of 2 done', fraction: 0.5 });
		const done = runSteps(updateRun(run, [wild(issued), apex(issued)]));
		expect(done.map((s) => s.state)).toEqual(['done', 'done', 'done']);
		const failed = runSteps(updateRun(run, [wild(issued), apex({ state: 'error', last_error: 'refused', last_attempt_at: T1 })]));
		expect(failed.map((s) => s.state)).toEqual(['done', 'failed', 'todo']);
		expect(failed[1].detail).toBe('Refused.');
	});

	it('show each certificate in a word', () => {
		expect(trackedLine(tracked(wild(), wild({ state: 'renewing' })), false)).toMatchObject({ label: 'renewing', tone: 'busy' });
		expect(trackedLine(tracked(wild(), wild(issued)), false).label).toBe('issued');
		expect(trackedLine(tracked(wild(), wild(issued)), false).detail).toMatch(/^valid until /);
		expect(trackedLine(tracked(wild(), wild({ state: 'error', last_error: 'refused', last_attempt_at: T1 })), false)).toEqual({
			label: 'failed',
			tone: 'bad',
			detail: 'refused'
		});
		expect(trackedLine(tracked(wild(), null), false).label).toBe('no longer planned');
		expect(trackedLine(tracked(wild(), wild()), false).label).toBe('queued');
	});
});

describe('IssuanceWatch', () => {
	function world() {
		const said: string[] = [];
		const watch = new IssuanceWatch({
			success: (m) => said.push(`ok: ${m}`) as unknown as number,
			error: (m) => said.push(`error: ${m}`) as unknown as number
		});
		return { watch, said };
	}

	it('follows what it saw in flight to the end, and tells it once', () => {
		const { watch, said } = world();
		watch.seen([wild(issued), shop()]);
		expect(watch.run).toBeNull();
		watch.seen([wild(), apex()]);
		expect(watch.run?.certificates).toHaveLength(2);
		watch.seen([wild(issued), apex({ state: 'obtaining' })]);
		expect(said).toEqual([]);
		watch.seen([wild(issued), apex(issued)]);
		expect(said).toEqual(['ok: Certificates issued for *.example.com and example.com.']);
		// The run ended: it stays shown, and the same list tells nothing more.
		watch.seen([wild(issued), apex(issued)]);
		expect(said).toHaveLength(1);
		expect(runFinished(watch.run!)).toBe(true);
	});

	it('follows every certificate after Renew now, from the list it was pressed on', () => {
		const { watch, said } = world();
		const before = [wild(issued), shop()];
		watch.asked(before);
		watch.seen(before); // the reload before anything happened
		expect(watch.run?.certificates.map((t) => issuanceState(t, true))).toEqual(['queued', 'queued']);
		watch.seen([wild({ ...issued, state: 'renewing' }), shop({ state: 'obtaining' })]);
		watch.seen([wild({ ...issued, last_attempt_at: '2026-06-01T13:00:00Z' }), shop(issued)]);
		expect(said).toEqual(['ok: Certificates issued for *.example.com and shop.example.org.']);
	});

	it("tells a failure with the CA's message, and the same failure again only once", () => {
		const { watch, said } = world();
		const failed = (at: string) => shop({ state: 'error', last_error: 'connection refused', last_attempt_at: at });
		watch.seen([shop({ state: 'obtaining' })]);
		watch.seen([failed(T1)]);
		watch.seen([shop({ state: 'obtaining', last_error: 'connection refused', last_attempt_at: T1 })]); // certmagic tries again
		watch.seen([failed('2026-06-01T12:01:09Z')]);
		expect(said).toEqual(['error: Could not obtain the certificate for shop.example.org: Connection refused.']);
	});
});
