import { describe, expect, it } from 'vitest';
import { ApiError } from './api/client';
import {
	deployOutcome,
	deploySteps,
	followDeploy,
	furthestStep,
	outcomeMessage,
	tagOptionLabel,
	tagsFailure,
	tagsHint,
	trackDeploy
} from './apps-deploy';
import { makeInstance } from './test/factories';

const states = (progress: Parameters<typeof deploySteps>[0], furthest: number, pulled: boolean) =>
	deploySteps(progress, furthest, pulled).map((s) => `${s.step}:${s.state}`);

describe('deploySteps', () => {
	it('shows the pull with its bytes while it runs, the rest to do', () => {
		const steps = deploySteps({ step: 'pulling', current: 10_000_000, total: 40_000_000 }, 0, true);
		expect(steps.map((s) => s.state)).toEqual(['current', 'todo', 'todo', 'todo', 'todo']);
		expect(steps[0].detail).toBe('Pulling 10 MB of 40 MB');
		expect(steps[1].detail).toBe('');
	});
	it('marks the steps before the current one done, the pull skipped when it never came', () => {
		expect(states({ step: 'waiting_for_health' }, 3, false)).toEqual([
			'pulling:skipped',
			'creating:done',
			'starting:done',
			'waiting_for_health:current',
			'routing:todo'
		]);
		expect(states({ step: 'routing' }, 4, true)[0]).toBe('pulling:done');
	});
	it('marks all done at the end', () => {
		expect(states({ step: 'done' }, 4, true).every((s) => s.endsWith(':done'))).toBe(true);
	});
	it('marks the furthest step seen failed', () => {
		expect(states({ step: 'failed' }, 3, true)).toEqual([
			'pulling:done',
			'creating:done',
			'starting:done',
			'waiting_for_health:failed',
			'routing:todo'
		]);
		expect(states({ step: 'failed' }, -1, false)[0]).toBe('pulling:failed');
	});
	it('before any step, all are to do', () => {
		expect(states(undefined, -1, false).every((s) => s.endsWith(':todo'))).toBe(true);
	});
});

describe('furthestStep', () => {
	it('keeps the furthest step seen', () => {
		expect(furthestStep(-1, { step: 'creating' })).toBe(1);
		expect(furthestStep(3, { step: 'creating' })).toBe(3);
		expect(furthestStep(3, { step: 'failed' })).toBe(3);
		expect(furthestStep(2, undefined)).toBe(2);
	});
});

describe('deployOutcome', () => {
	it.each([
		[{ status: 'deploying', progress: { step: 'pulling' } }, null],
		[{ status: 'deploying', progress: undefined }, null],
		[{ status: 'running', progress: { step: 'done' } }, 'running'],
		[{ status: 'failed', progress: { step: 'failed' } }, 'failed'],
		[{ status: 'failed', progress: { step: 'done' } }, 'failed'],
		[{ status: 'running', progress: undefined }, 'running'],
		[{ status: 'failed', progress: undefined }, 'failed']
	] as const)('%o: %s', (inst, outcome) => expect(deployOutcome(inst)).toBe(outcome));
});

describe('tags', () => {
	it('labels a tag with its short digest when known', () => {
		expect(tagOptionLabel({ tag: 'v1', digest: 'sha256:' + 'ab'.repeat(32) })).toBe('sha256:abababababab');
		expect(tagOptionLabel({ tag: 'v1' })).toBe('');
	});
	it('says what the registry answered', () => {
		expect(tagsHint(null, 'v\\d+')).toBe("Reading the registry's tags that match v\\d+…");
		expect(tagsHint({ tags: [], total: 0, error: '' }, 'v\\d+')).toBe('No tag in the registry matches v\\d+ yet: type one.');
		expect(tagsHint({ tags: [{ tag: 'v2' }, { tag: 'v1' }], total: 2, error: '' }, 'v\\d+')).toBe(
			'2 tags match v\\d+, newest v2: pick one or type a tag.'
		);
		expect(tagsHint({ tags: [{ tag: 'v300' }], total: 300, error: '' }, 'v\\d+')).toBe(
			'300 tags match v\\d+ (the newest 1 are listed), newest v300: pick one or type a tag.'
		);
		expect(tagsHint({ tags: [{ tag: 'v1' }], total: 1, error: '' }, 'v1')).toMatch(/^1 tag matches v1,/);
	});
	it("says the registry failed in the server's words", () => {
		expect(tagsFailure(new ApiError(502, 'the registry 127.0.0.1:1 cannot be reached: refused'))).toBe(
			"The registry's tags could not be read: The registry 127.0.0.1:1 cannot be reached: refused. Type the tag instead."
		);
	});
});

describe('outcomeMessage', () => {
	it('says where a running deploy is reached', () => {
		const inst = makeInstance({ tag: 'v2', route: { router: 'builtin', state: 'active', url: 'http://web-v2.example.com/' } });
		expect(outcomeMessage(inst, 'web', true)).toBe('web:v2 is running at http://web-v2.example.com/.');
	});
	it("says why a deploy failed: the error's first line", () => {
		const inst = makeInstance({ tag: 'v2', last_error: 'not healthy in time: GET /healthz answered 500; last log lines:\nboom' });
		expect(outcomeMessage(inst, 'web', false)).toBe('The deploy of web:v2 failed: not healthy in time: GET /healthz answered 500; last log lines:');
		expect(outcomeMessage(makeInstance({ tag: 'v2' }), 'web', false)).toBe('The deploy of web:v2 failed.');
	});
});

describe('trackDeploy and followDeploy', () => {
	const asked = makeInstance({ id: 7, tag: 'v2', status: 'deploying', progress: undefined, updated_at: 't0' });

	it('follows the steps to the end, which it says once', () => {
		let t = trackDeploy(asked);
		expect([t.id, t.tag, t.furthest, t.pulled, t.outcome]).toEqual([7, 'v2', -1, false, null]);
		const steps = [
			{ step: 'pulling', current: 1, total: 2 },
			{ step: 'creating' },
			{ step: 'waiting_for_health' }
		];
		for (const progress of steps) {
			const r = followDeploy(t, { ...asked, progress });
			expect(r.ended).toBeNull();
			t = r.next!;
		}
		expect([t.furthest, t.pulled]).toEqual([3, true]);
		const done = followDeploy(t, { ...asked, status: 'running', progress: { step: 'done' }, updated_at: 't1' });
		expect(done.ended).toBe('running');
		expect(done.next?.outcome).toBe('running');
		// Said once: a later look changes nothing.
		expect(followDeploy(done.next!, { ...asked, status: 'stopped', progress: { step: 'done' } })).toEqual({ next: done.next, ended: null });
	});

	it('ends failed, with the furthest step it reached', () => {
		const t = followDeploy(trackDeploy(asked), { ...asked, progress: { step: 'starting' } }).next!;
		const r = followDeploy(t, { ...asked, status: 'failed', progress: { step: 'failed' }, last_error: 'exited', updated_at: 't1' });
		expect([r.ended, r.next?.furthest, r.next?.pulled]).toEqual(['failed', 2, false]);
	});

	it('a pull too short to be seen counts by the server’s word on the later steps', () => {
		const t = followDeploy(trackDeploy(asked), { ...asked, progress: { step: 'creating', pulled: true } }).next!;
		expect(t.pulled).toBe(true);
		expect(states({ step: 'creating', pulled: true }, t.furthest, t.pulled)[0]).toBe('pulling:done');
		// Without it, the engine had the image: the pull is skipped.
		const had = followDeploy(trackDeploy(asked), { ...asked, progress: { step: 'creating' } }).next!;
		expect(states({ step: 'creating' }, had.furthest, had.pulled)[0]).toBe('pulling:skipped');
	});

	it('does not take the state it was asked from for its end', () => {
		// A redeploy's 202: the instance still shows the last deploy's end.
		const before = makeInstance({ id: 7, status: 'running', progress: { step: 'done' } });
		expect(followDeploy(trackDeploy(before), before).ended).toBeNull();
	});

	it('says when the instance is gone', () => {
		expect(followDeploy(trackDeploy(asked), undefined)).toEqual({ next: null, ended: 'gone' });
	});
});
