/**
 * The DNS providers the settings offer. A provider is its fields' component
 * in this folder and one entry here.
 */
import type { Component } from 'svelte';
import { PROVIDER_NAMES } from '$lib/dns';
import type { DnsFormValues } from '$lib/dns';
import type { FieldErrors } from '$lib/errors';
import type { Loader } from '$lib/loader.svelte';
import type { DnsZone } from '$lib/types/dns';
import type { DnsProvider, Settings } from '$lib/types/settings';
import CloudflareFields from './CloudflareFields.svelte';

/** What the DNS form gives a provider's fields. */
export interface ProviderFieldsProps {
	/** The form's values (bound). */
	values: DnsFormValues;
	errors: FieldErrors;
	/** The saved settings. */
	settings: Settings;
	/** The zones of GET /api/dns/zones, listed with the saved provider and credentials. */
	zones: Loader<DnsZone[]>;
	/** Why the zones could not be listed; shown at the zone field. */
	zonesError: string | null;
	/** The saved settings have this provider's credentials, so its zones can be listed. */
	zonesReady: boolean;
	onloadzones: () => void;
	/** A field was changed: forget the connection test and these fields' errors. */
	onedit: (...fields: string[]) => void;
}

export interface DnsProviderUi {
	value: Exclude<DnsProvider, ''>;
	label: string;
	Fields: Component<ProviderFieldsProps, object, 'values'>;
	/** The API's fields of the provider and the ids of their inputs. */
	inputs: Record<string, string>;
	/** The fields a connection test can find at fault. */
	testFields: readonly string[];
	/** The saved settings have credentials for this provider. */
	credentialsStored(s: Settings): boolean;
	/** Said after the TTL's range, e.g. that proxied records have automatic TTL. */
	ttlNote?: string;
}

export const DNS_PROVIDERS: readonly DnsProviderUi[] = [
	{
		value: 'cloudflare',
		label: PROVIDER_NAMES.cloudflare,
		Fields: CloudflareFields,
		inputs: {
			cloudflare_api_token: 'dns-token',
			cloudflare_zone_id: 'dns-zone',
			cloudflare_zone_name: 'dns-zone',
			cloudflare_proxied: 'dns-proxied'
		},
		testFields: ['cloudflare_api_token', 'cloudflare_zone_id'],
		credentialsStored: (s) => s.cloudflare_api_token_set,
		ttlNote: 'Proxied records always have automatic TTL.'
	}
];

export function dnsProvider(value: string | undefined): DnsProviderUi | undefined {
	return DNS_PROVIDERS.find((p) => p.value === value);
}
