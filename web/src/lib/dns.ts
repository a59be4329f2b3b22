/** Pure logic of the DNS settings form: settings ⇄ form values, test results. */

import type { DnsMode, DnsTestRequest, DnsTestResult, DnsZone } from './types/dns';
import type { DnsProvider, Settings, SettingsUpdate } from './types/settings';

export type { DnsMode };

/** "Automatic" TTL as the API stores it. */
export const TTL_AUTOMATIC = 1;
export const TTL_MIN = 60;
export const TTL_MAX = 86400;

/** How long a stopped instance keeps its record, in seconds (0 deletes at once; at most a week). */
export const GRACE_MIN = 0;
export const GRACE_MAX = 604800;
/** How often a sync runs by itself, in seconds. */
export const SYNC_INTERVAL_MIN = 60;
export const SYNC_INTERVAL_MAX = 86400;

/** The TTLs offered in the selector (those of Cloudflare's own dashboard). */
export const TTL_PRESETS: readonly { value: number; label: string }[] = [
	{ value: TTL_AUTOMATIC, label: 'Automatic' },
	{ value: 60, label: '1 minute' },
	{ value: 120, label: '2 minutes' },
	{ value: 300, label: '5 minutes' },
	{ value: 600, label: '10 minutes' },
	{ value: 900, label: '15 minutes' },
	{ value: 1800, label: '30 minutes' },
	{ value: 3600, label: '1 hour' },
	{ value: 7200, label: '2 hours' },
	{ value: 18000, label: '5 hours' },
	{ value: 43200, label: '12 hours' },
	{ value: 86400, label: '1 day' }
];

/** The TTL selector's value: a preset's number as a string, or "custom". */
export type TtlChoice = string;
export const TTL_CUSTOM: TtlChoice = 'custom';

export const PROVIDER_NAMES: Record<string, string> = { cloudflare: 'Cloudflare' };

/** A provider for people: "Cloudflare", "None" for "". */
export function providerName(provider: string): string {
	if (!provider) return 'None';
	return PROVIDER_NAMES[provider] ?? provider;
}

/** The values of the DNS settings form. */
export interface DnsFormValues {
	mode: DnsMode;
	provider: DnsProvider;
	/** A new token as typed; "" keeps the stored one. Never the stored token (the API never returns it). */
	token: string;
	/** Remove the stored token on save. */
	clearToken: boolean;
	zoneId: string;
	zoneName: string;
	ttlChoice: TtlChoice;
	/** Seconds, when ttlChoice is "custom"; as typed until it is sent. */
	ttlCustom: number | null;
	proxied: boolean;
	/** dns_delete_grace_seconds, as typed until it is sent. */
	graceSeconds: number | null;
	/** dns_sync_interval_seconds, as typed until it is sent. */
	syncIntervalSeconds: number | null;
}

/**
 * A number input's value for the API: a whole number as it is, else -1
 * (refused by the API, which then names the field).
 */
export function wholeSeconds(value: unknown): number {
	const n = typeof value === 'number' ? value : Number(String(value ?? '').trim() || NaN);
	return Number.isInteger(n) ? n : -1;
}

/** The TTL selector's state for a stored TTL. */
export function ttlChoiceFor(ttl: number): { ttlChoice: TtlChoice; ttlCustom: number | null } {
	if (!ttl || ttl === TTL_AUTOMATIC) return { ttlChoice: String(TTL_AUTOMATIC), ttlCustom: null };
	if (TTL_PRESETS.some((p) => p.value === ttl)) return { ttlChoice: String(ttl), ttlCustom: null };
	return { ttlChoice: TTL_CUSTOM, ttlCustom: ttl };
}

/**
 * The TTL to send for the selector's state: 1 for automatic, a preset, or
 * the custom number; 0 (refused by the API, which then names `dns_ttl`) when
 * the custom value is not a whole number.
 */
export function ttlFromChoice(choice: TtlChoice, custom: unknown): number {
	if (choice !== TTL_CUSTOM) {
		const n = Number(choice);
		return Number.isInteger(n) && n > 0 ? n : TTL_AUTOMATIC;
	}
	const n = typeof custom === 'number' ? custom : Number(String(custom ?? '').trim() || NaN);
	return Number.isInteger(n) ? n : 0;
}

/** A TTL for people: "Automatic", "5 minutes", "45 seconds". */
export function formatTtl(ttl: number): string {
	if (!ttl || ttl === TTL_AUTOMATIC) return 'Automatic';
	const preset = TTL_PRESETS.find((p) => p.value === ttl);
	if (preset) return preset.label;
	return `${ttl} seconds`;
}

/** The form's values for stored settings (no token: the API never returns it). */
export function dnsFormFromSettings(s: Settings): DnsFormValues {
	return {
		mode: s.wildcard_dns ? 'wildcard' : 'managed',
		provider: s.dns_provider,
		token: '',
		clearToken: false,
		zoneId: s.cloudflare_zone_id,
		zoneName: s.cloudflare_zone_name,
		...ttlChoiceFor(s.dns_ttl),
		proxied: s.cloudflare_proxied,
		graceSeconds: s.dns_delete_grace_seconds,
		syncIntervalSeconds: s.dns_sync_interval_seconds
	};
}

/** The token to send, if any: a new one as typed, "" to clear, undefined to keep the stored one. */
export function tokenToSend(v: Pick<DnsFormValues, 'token' | 'clearToken'>): string | undefined {
	const typed = v.token.trim();
	if (typed) return typed;
	if (v.clearToken) return '';
	return undefined;
}

/**
 * PUT /api/settings for the DNS section: only the DNS fields (with the
 * grace period and sync interval), and the token
 * only when one was typed (or "" when the user clears it).
 */
export function dnsSettingsUpdate(v: DnsFormValues): SettingsUpdate {
	const update: SettingsUpdate = {
		wildcard_dns: v.mode === 'wildcard',
		dns_provider: v.provider,
		cloudflare_zone_id: v.zoneId,
		cloudflare_zone_name: v.zoneName,
		dns_ttl: ttlFromChoice(v.ttlChoice, v.ttlCustom),
		cloudflare_proxied: v.proxied,
		dns_delete_grace_seconds: wholeSeconds(v.graceSeconds),
		dns_sync_interval_seconds: wholeSeconds(v.syncIntervalSeconds)
	};
	const token = tokenToSend(v);
	if (token !== undefined) update.cloudflare_api_token = token;
	return update;
}

/**
 * POST /api/dns/test for the form as it is (saved or not): the chosen
 * provider, the typed token if any (else the stored one is used), and the
 * chosen zone if any.
 */
export function dnsTestRequest(v: DnsFormValues): DnsTestRequest {
	const request: DnsTestRequest = { dns_provider: v.provider };
	const token = tokenToSend(v);
	if (token !== undefined) request.cloudflare_api_token = token;
	if (v.zoneId) request.cloudflare_zone_id = v.zoneId;
	return request;
}

/** The settings the form would change (to tell whether there is anything to save). */
export function dnsFormChanged(v: DnsFormValues, s: Settings): boolean {
	const u = dnsSettingsUpdate(v);
	return (
		u.cloudflare_api_token !== undefined ||
		u.wildcard_dns !== s.wildcard_dns ||
		u.dns_provider !== s.dns_provider ||
		u.cloudflare_zone_id !== s.cloudflare_zone_id ||
		u.cloudflare_zone_name !== s.cloudflare_zone_name ||
		u.dns_ttl !== s.dns_ttl ||
		u.cloudflare_proxied !== s.cloudflare_proxied ||
		u.dns_delete_grace_seconds !== s.dns_delete_grace_seconds ||
		u.dns_sync_interval_seconds !== s.dns_sync_interval_seconds
	);
}

/** The names the test's checks are shown with. */
const CHECK_LABELS: Record<string, string> = {
	token: 'API token',
	zone: 'Zone access',
	dns_read: 'Read DNS records',
	dns_edit: 'Edit DNS records'
};

/** A check's name for people; an unknown name as it is, "dns_foo" as "dns foo". */
export function checkLabel(name: string): string {
	return CHECK_LABELS[name] ?? name.replace(/_/g, ' ');
}

export interface ChecksSummary {
	ok: boolean;
	passed: number;
	failed: number;
	total: number;
	/** One line for the whole test. */
	text: string;
}

/** The overall result of a connection test. */
export function summarizeChecks(result: DnsTestResult): ChecksSummary {
	const checks = result.checks ?? [];
	const passed = checks.filter((c) => c.ok).length;
	const total = checks.length;
	const failed = total - passed;
	// The API's "ok" is the verdict; a check that failed overrides a stray true.
	const ok = result.ok && failed === 0;
	const where = result.zone_name ? ` for ${result.zone_name}` : '';
	let text: string;
	if (ok) {
		text = total > 0 ? `Connection works${where}: all ${total} checks passed.` : `Connection works${where}.`;
	} else if (total === 0) {
		text = `The connection test failed${where}.`;
	} else {
		text = `The connection test failed${where}: ${passed} of ${total} checks passed.`;
	}
	return { ok, passed, failed, total, text };
}

export interface ZoneOption {
	id: string;
	name: string;
	/** The option's text, e.g. "example.com" or "example.com (pending)". */
	label: string;
}

/**
 * The zone selector's options: the zones the token can see (`null` before
 * they are loaded), by name, and the stored zone too when it is not among
 * them, so that the selector never silently shows another zone than the
 * stored one.
 */
export function zoneOptions(zones: readonly DnsZone[] | null, storedId: string, storedName: string): ZoneOption[] {
	const list = zones ?? [];
	const options: ZoneOption[] = [...list]
		.sort((a, b) => a.name.localeCompare(b.name))
		.map((z) => ({
			id: z.id,
			name: z.name,
			label: z.status && z.status !== 'active' ? `${z.name} (${z.status})` : z.name
		}));
	if (storedId && !list.some((z) => z.id === storedId)) {
		const name = storedName || storedId;
		const label = zones ? `${name} (not visible to the token)` : name;
		options.unshift({ id: storedId, name: storedName, label });
	}
	return options;
}
