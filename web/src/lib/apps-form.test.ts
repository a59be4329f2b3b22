import { describe, expect, it } from 'vitest';
import {
	appToForm,
	blankApp,
	errorInputId,
	formFieldNames,
	formProblems,
	formToInput,
	intervalText,
	rowError,
	type AppFormValues
} from './apps-form';
import { makeApp } from './test/apps';

const form = (overrides: Partial<AppFormValues> = {}): AppFormValues => ({
	...blankApp(),
	name: 'web',
	image: 'registry.example.com/team/web',
	container_port: 8080,
	...overrides
});

describe('blankApp', () => {
	it("holds the API's defaults", () => {
		const v = blankApp();
		expect([v.tag_pattern, v.poll_interval_seconds, v.restart_policy, v.vanished_tag, v.auto_deploy]).toEqual([
			'latest',
			300,
			'unless-stopped',
			'keep',
			false
		]);
		expect(v.env).toEqual([]);
	});
});

describe('formToInput', () => {
	it('sends every field, trimmed, with empty limits as 0 and no password', () => {
		const input = formToInput(
			form({ name: ' web ', image: ' registry.example.com/team/web ', tag_pattern: ' v\\d+ ', health_path: ' /healthz ' })
		);
		expect(input).toEqual({
			name: 'web',
			image: 'registry.example.com/team/web',
			tag_pattern: 'v\\d+',
			container_port: 8080,
			env: {},
			auto_deploy: false,
			poll_interval_seconds: 300,
			registry_username: '',
			health_path: '/healthz',
			health_host: '',
			memory_mb: 0,
			cpus: 0,
			volumes: {},
			restart_policy: 'unless-stopped',
			vanished_tag: 'keep'
		});
		expect('registry_password' in input).toBe(false);
	});

	it('turns rows into objects: names trimmed, env values as typed, blank rows left out', () => {
		const input = formToInput(
			form({
				env: [
					{ key: ' LOG_LEVEL ', value: ' info ' },
					{ key: '', value: '' },
					{ key: 'EMPTY', value: '' }
				],
				volumes: [
					{ key: ' data ', value: ' /var/lib/web ' },
					{ key: ' ', value: ' ' }
				]
			})
		);
		expect(input.env).toEqual({ LOG_LEVEL: ' info ', EMPTY: '' });
		expect(input.volumes).toEqual({ data: '/var/lib/web' });
	});

	it('sends a typed password, "" for a cleared one, nothing when left alone', () => {
		expect(formToInput(form({ registry_password: 'pw' })).registry_password).toBe('pw');
		expect(formToInput(form({ registry_password: 'pw', registry_password_cleared: true })).registry_password).toBe('');
		expect('registry_password' in formToInput(form())).toBe(false);
	});

	it('leaves out an empty poll interval (the default, or the stored one) and sends 0 for webhooks only', () => {
		expect('poll_interval_seconds' in formToInput(form({ poll_interval_seconds: null }))).toBe(false);
		expect(formToInput(form({ poll_interval_seconds: 0 })).poll_interval_seconds).toBe(0);
	});

	it('sends a port that is not a whole number as 0, which the API refuses at the field', () => {
		expect(formToInput(form({ container_port: null })).container_port).toBe(0);
		expect(formToInput(form({ container_port: 80.5 })).container_port).toBe(0);
	});

	it('sends limits as typed', () => {
		const input = formToInput(form({ memory_mb: 256, cpus: 0.5 }));
		expect([input.memory_mb, input.cpus]).toEqual([256, 0.5]);
	});
});

describe('appToForm', () => {
	it('round-trips an app through the form to the same input, rows sorted by name', () => {
		const app = makeApp({
			env: { B: '2', A: '1' },
			volumes: { data: '/data' },
			memory_mb: 256,
			cpus: 0.5,
			health_path: '/healthz',
			health_host: 'web.internal',
			registry_username: 'ci',
			registry_password_set: true,
			restart_policy: 'always',
			vanished_tag: 'remove',
			poll_interval_seconds: 0
		});
		const v = appToForm(app);
		expect(v.env).toEqual([
			{ key: 'A', value: '1' },
			{ key: 'B', value: '2' }
		]);
		expect([v.registry_password, v.registry_password_cleared]).toEqual(['', false]);
		const input = formToInput(v);
		const { id, registry_password_set, last_error, last_checked_at, created_at, updated_at, ...writable } = app;
		expect(input).toEqual(writable);
		expect('registry_password' in input).toBe(false);
	});

	it('shows no limit as empty inputs', () => {
		const v = appToForm(makeApp());
		expect([v.memory_mb, v.cpus]).toEqual([null, null]);
	});
});

describe('formProblems', () => {
	it('finds a value without a name and a name given twice, at their rows', () => {
		const v = form({
			env: [
				{ key: 'A', value: '1' },
				{ key: '', value: 'orphan' },
				{ key: 'A ', value: '2' },
				{ key: '', value: '' }
			],
			volumes: [
				{ key: 'data', value: '/a' },
				{ key: 'data', value: '/b' }
			]
		});
		expect(formProblems(v)).toEqual({
			'env#1': 'Give this variable a name, or remove the row.',
			'env#2': 'A is given twice: keep one.',
			'volumes#1': 'data is given twice: keep one.'
		});
	});

	it('finds nothing in good rows', () => {
		expect(formProblems(form({ env: [{ key: 'A', value: '' }] }))).toEqual({});
	});
});

describe('field errors of rows', () => {
	const v = form({
		env: [
			{ key: 'GOOD', value: '1' },
			{ key: 'MY KEY', value: '2' }
		],
		volumes: [{ key: 'data', value: 'relative' }]
	});

	it("lists the rows' fields for describeError", () => {
		expect(formFieldNames(v)).toEqual(expect.arrayContaining(['name', 'tag_pattern', 'env.GOOD', 'env.MY KEY', 'volumes.data']));
	});

	it("puts the API's env.KEY and volumes.NAME at their row, and the form's own at its row", () => {
		const errors = { 'env.MY KEY': 'bad name', 'volumes.data': 'bad path' };
		expect([0, 1].map((i) => rowError(errors, 'env', v, i))).toEqual([undefined, 'bad name']);
		expect(rowError(errors, 'volumes', v, 0)).toBe('bad path');
		expect(rowError({ 'env#0': 'twice' }, 'env', v, 0)).toBe('twice');
		expect(rowError({ name: 'taken' }, 'env', v, 0)).toBeUndefined();
	});

	it('focuses the name of the row at fault, the list, or the field', () => {
		expect(errorInputId({ 'env.MY KEY': 'x' }, 'app-', v)).toBe('app-env-1-key');
		expect(errorInputId({ 'volumes#0': 'x' }, 'app-', v)).toBe('app-volumes-0-key');
		expect(errorInputId({ volumes: 'too many' }, 'app-', v)).toBe('app-volumes-0-key');
		expect(errorInputId({ env: 'x' }, 'app-', form())).toBe('app-env-add');
		expect(errorInputId({ tag_pattern: 'x' }, 'app-', v)).toBe('app-tag_pattern');
		expect(errorInputId({}, 'app-', v)).toBeNull();
	});
});

describe('intervalText', () => {
	it.each([
		[300, 'every 5 minutes'],
		[60, 'every 1 minute'],
		[90, 'every 90 seconds'],
		[10, 'every 10 seconds'],
		[7200, 'every 2 hours'],
		[86400, 'every 24 hours']
	])('%i s: %s', (s, text) => expect(intervalText(s)).toBe(text));
});
