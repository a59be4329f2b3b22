/** The app form's text and number inputs, as data: FieldGrid draws them. */
import { intervalText, PLAIN_INPUT, type AppFormValues } from '$lib/apps-form';

/** The form's fields an input of text or a number holds. */
export type InputField = {
	[K in keyof AppFormValues]: AppFormValues[K] extends string | number | null ? K : never;
}[keyof AppFormValues];

export interface FieldSpec {
	field: InputField;
	label: string;
	hint: string | ((v: AppFormValues) => string);
	placeholder?: string;
	/** A number input with these bounds. */
	number?: { min: number; max?: number; step?: number | 'any'; decimal?: boolean };
	/** Shown in monospace (patterns, paths). */
	mono?: boolean;
}

/** The attributes of a spec's input besides its value. */
export function inputAttributes(spec: FieldSpec): Record<string, string | number | boolean | undefined> {
	const mono = spec.mono ? 'mono' : undefined;
	if (!spec.number) return { ...PLAIN_INPUT, class: mono };
	const { min, max, step = 1, decimal = false } = spec.number;
	return { type: 'number', inputmode: decimal ? 'decimal' : 'numeric', min, max, step, class: mono };
}

/** A spec's hint for the values now. */
export const hintOf = (spec: FieldSpec, v: AppFormValues) => (typeof spec.hint === 'function' ? spec.hint(v) : spec.hint);

export const IMAGE_FIELDS: FieldSpec[] = [
	{ field: 'name', label: 'Name', placeholder: 'web', hint: "A DNS label (a-z, 0-9, -): the start of each instance's subdomain." },
	{
		field: 'image',
		label: 'Image repository',
		placeholder: 'registry.example.com/team/web',
		hint: 'Without tag, as Docker names it: nginx is docker.io/library/nginx.'
	},
	{
		field: 'tag_pattern',
		label: 'Tag pattern',
		placeholder: 'latest',
		mono: true,
		hint: 'A regular expression matched against the whole tag: v\\d+\\.\\d+\\.\\d+ takes v1.2.0, not v1.2.0-rc1.'
	},
	{
		field: 'container_port',
		label: 'Container port',
		placeholder: '8080',
		number: { min: 1, max: 65535 },
		hint: 'Where the server listens inside the container (TCP).'
	}
];

export const POLL_FIELD: FieldSpec = {
	field: 'poll_interval_seconds',
	label: 'Poll interval (seconds)',
	placeholder: '300',
	number: { min: 0, max: 86400 },
	hint: (v) => {
		const p = v.poll_interval_seconds;
		const what =
			p === null ? 'Empty: every 5 minutes.' : p === 0 ? 'Webhooks only: the registry is never polled.' : `The registry is asked ${intervalText(p)}.`;
		return `${what} 0 for webhooks only, else 10 to 86400 seconds.`;
	}
};

export const USERNAME_FIELD: FieldSpec = { field: 'registry_username', label: 'Registry user name', hint: '' };

export const HEALTH_FIELDS: FieldSpec[] = [
	{ field: 'health_path', label: 'Health path', placeholder: '/healthz', mono: true, hint: 'Starts with /, e.g. /healthz (a query allowed).' },
	{ field: 'health_host', label: 'Health check host', placeholder: 'web.internal', hint: "The Host header of the check; empty: the instance's name." }
];

export const LIMIT_FIELDS: FieldSpec[] = [
	{ field: 'memory_mb', label: 'Memory (MB)', placeholder: 'No limit', number: { min: 0 }, hint: 'Empty or 0: no limit; else 6 to 1048576.' },
	{
		field: 'cpus',
		label: 'CPUs',
		placeholder: 'No limit',
		number: { min: 0, step: 0.01, decimal: true },
		hint: 'Empty or 0: no limit; else 0.01 to 1024.'
	}
];
