/**
 * The app form ⇄ the API's app: the values as typed (numbers may be empty,
 * the environment and volumes as rows), what is sent, and where each of
 * the API's field errors goes (`env.KEY` and `volumes.NAME` at their row).
 */
import { portValue } from './format';
import type { FieldErrors } from './errors';
import type { App, AppInput, RestartPolicy, VanishedTag } from './types/app';

/** One row of the environment (name, value) or of the volumes (volume name, path). */
export interface Row {
	key: string;
	value: string;
}

export interface AppFormValues {
	name: string;
	image: string;
	tag_pattern: string;
	container_port: number | null;
	env: Row[];
	auto_deploy: boolean;
	/** Empty: the server's default (300) on create, the stored value on save. */
	poll_interval_seconds: number | null;
	registry_username: string;
	/** What was typed; "" keeps the stored password (unless cleared). */
	registry_password: string;
	/** The stored password is removed on save. */
	registry_password_cleared: boolean;
	health_path: string;
	health_host: string;
	/** Empty: no limit. */
	memory_mb: number | null;
	cpus: number | null;
	volumes: Row[];
	restart_policy: string;
	vanished_tag: string;
}

/** The API's fields of an app, as its errors name them. */
export const APP_FIELDS = [
	'name',
	'image',
	'tag_pattern',
	'container_port',
	'env',
	'auto_deploy',
	'poll_interval_seconds',
	'registry_username',
	'registry_password',
	'health_path',
	'health_host',
	'memory_mb',
	'cpus',
	'volumes',
	'restart_policy',
	'vanished_tag'
] as const;

export const DEFAULT_POLL_INTERVAL = 300;

/** The attributes of an input of names, paths and patterns: no autofill, capitals or spelling fixes. */
export const PLAIN_INPUT = { autocomplete: 'off', autocapitalize: 'none', spellcheck: false } as const;

export const RESTART_POLICIES = [
	{ value: 'unless-stopped', label: 'Unless stopped (default)' },
	{ value: 'always', label: 'Always' },
	{ value: 'on-failure', label: 'On failure' },
	{ value: 'no', label: 'Never' }
] as const;

/** A new app's form: the API's defaults. */
export function blankApp(): AppFormValues {
	return {
		name: '',
		image: '',
		tag_pattern: 'latest',
		container_port: null,
		env: [],
		auto_deploy: false,
		poll_interval_seconds: DEFAULT_POLL_INTERVAL,
		registry_username: '',
		registry_password: '',
		registry_password_cleared: false,
		health_path: '',
		health_host: '',
		memory_mb: null,
		cpus: null,
		volumes: [],
		restart_policy: 'unless-stopped',
		vanished_tag: 'keep'
	};
}

const rows = (record: Record<string, string> | null | undefined): Row[] =>
	Object.entries(record ?? {})
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([key, value]) => ({ key, value }));

/** An app's form, to edit it; the password is never known, only whether one is stored. */
export function appToForm(app: App): AppFormValues {
	return {
		name: app.name,
		image: app.image,
		tag_pattern: app.tag_pattern,
		container_port: app.container_port,
		env: rows(app.env),
		auto_deploy: app.auto_deploy,
		poll_interval_seconds: app.poll_interval_seconds,
		registry_username: app.registry_username,
		registry_password: '',
		registry_password_cleared: false,
		health_path: app.health_path,
		health_host: app.health_host,
		memory_mb: app.memory_mb || null,
		cpus: app.cpus || null,
		volumes: rows(app.volumes),
		restart_policy: app.restart_policy,
		vanished_tag: app.vanished_tag
	};
}

/** A row left wholly empty counts as not there. */
const blankRow = (r: Row) => r.key.trim() === '' && r.value.trim() === '';

function record(list: Row[], trimValues: boolean): Record<string, string> {
	const out: Record<string, string> = {};
	for (const r of list) {
		if (blankRow(r)) continue;
		out[r.key.trim()] = trimValues ? r.value.trim() : r.value;
	}
	return out;
}

/** A number input as the API takes it: an empty one is `empty`. */
function numberOr(value: number | null | undefined, empty: number): number {
	return typeof value === 'number' && Number.isFinite(value) ? value : empty;
}

/**
 * What POST or PUT sends. An environment value is sent as typed (spaces
 * may matter); names, paths and the other text fields are trimmed. The
 * password goes only when typed, or as "" when cleared.
 */
export function formToInput(v: AppFormValues): AppInput {
	const input: AppInput = {
		name: v.name.trim(),
		image: v.image.trim(),
		tag_pattern: v.tag_pattern.trim(),
		container_port: portValue(v.container_port),
		env: record(v.env, false),
		auto_deploy: v.auto_deploy,
		registry_username: v.registry_username.trim(),
		health_path: v.health_path.trim(),
		health_host: v.health_host.trim(),
		memory_mb: numberOr(v.memory_mb, 0),
		cpus: numberOr(v.cpus, 0),
		volumes: record(v.volumes, true),
		restart_policy: v.restart_policy as RestartPolicy, // a select of the policies; the server checks it
		vanished_tag: v.vanished_tag as VanishedTag
	};
	if (v.poll_interval_seconds !== null && Number.isFinite(v.poll_interval_seconds)) {
		input.poll_interval_seconds = v.poll_interval_seconds;
	}
	if (v.registry_password_cleared) input.registry_password = '';
	else if (v.registry_password !== '') input.registry_password = v.registry_password;
	return input;
}

/** The key of a row's own error found before sending: `env#2`. */
const rowKey = (list: 'env' | 'volumes', index: number) => `${list}#${index}`;

/**
 * What the form finds wrong before sending, by row: a value without a
 * name, and a name given twice (an object cannot hold it twice, so one
 * would be lost silently).
 */
export function formProblems(v: AppFormValues): FieldErrors {
	const errors: FieldErrors = {};
	const check = (list: 'env' | 'volumes', noun: string) => {
		const seen = new Set<string>();
		v[list].forEach((r, i) => {
			if (blankRow(r)) return;
			const key = r.key.trim();
			if (key === '') errors[rowKey(list, i)] = `Give this ${noun} a name, or remove the row.`;
			else if (seen.has(key)) errors[rowKey(list, i)] = `${key} is given twice: keep one.`;
			seen.add(key);
		});
	};
	check('env', 'variable');
	check('volumes', 'volume');
	return errors;
}

/** The fields the API may name for these values, for describeError: the app's and each row's. */
export function formFieldNames(v: AppFormValues): string[] {
	const keyed = (list: 'env' | 'volumes') => v[list].filter((r) => !blankRow(r)).map((r) => `${list}.${r.key.trim()}`);
	return [...APP_FIELDS, ...keyed('env'), ...keyed('volumes')];
}

/** The index of the row an error is about (the form's own or the API's), or -1. */
function rowOf(field: string, list: 'env' | 'volumes', v: AppFormValues): number {
	if (field.startsWith(`${list}#`)) return Number(field.slice(list.length + 1));
	if (field.startsWith(`${list}.`)) {
		const key = field.slice(list.length + 1);
		return v[list].findIndex((r) => r.key.trim() === key);
	}
	return -1;
}

/** The error shown at row `index` of the environment or the volumes. */
export function rowError(errors: FieldErrors, list: 'env' | 'volumes', v: AppFormValues, index: number): string | undefined {
	for (const [field, message] of Object.entries(errors)) {
		if (rowOf(field, list, v) === index) return message;
	}
	return undefined;
}

/** The id of a row's inputs: `{prefix}env-2-key`, `{prefix}env-2-value`. */
export function rowInputId(prefix: string, list: 'env' | 'volumes', index: number, part: 'key' | 'value'): string {
	return `${prefix}${list}-${index}-${part}`;
}

/** The id of the input to focus for the first error: a row's name, or the field's input `{prefix}{field}`. */
export function errorInputId(errors: FieldErrors, prefix: string, v: AppFormValues): string | null {
	const field = Object.keys(errors)[0];
	if (!field) return null;
	for (const list of ['env', 'volumes'] as const) {
		const i = rowOf(field, list, v);
		if (i >= 0) return rowInputId(prefix, list, i, 'key');
		if (field === list) return v[list].length > 0 ? rowInputId(prefix, list, 0, 'key') : `${prefix}${list}-add`;
	}
	return prefix + field;
}

/** A poll interval for people: "every 5 minutes", "every 90 seconds", "every 2 hours". */
export function intervalText(seconds: number): string {
	const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
	if (seconds % 3600 === 0) return `every ${plural(seconds / 3600, 'hour')}`;
	if (seconds % 60 === 0) return `every ${plural(seconds / 60, 'minute')}`;
	return `every ${plural(seconds, 'second')}`;
}
