/** GET /api/settings (secrets masked: only whether one is set). */
export interface Settings {
	domain: string;
	public_ipv4: string;
	public_ipv6: string;
	wildcard_dns: boolean;
	dns_provider: DnsProvider;
	cloudflare_api_token_set: boolean;
	cloudflare_zone_id: string;
	cloudflare_zone_name: string;
	dns_ttl: number;
	cloudflare_proxied: boolean;
	/** A stopped instance keeps its record this long (0 deletes at once). */
	dns_delete_grace_seconds: number;
	/** How often a sync runs by itself. */
	dns_sync_interval_seconds: number;
}

export type DnsProvider = '' | 'cloudflare';

/** PUT /api/settings takes any subset of the writable fields. */
export interface SettingsUpdate {
	domain?: string;
	public_ipv4?: string;
	public_ipv6?: string;
	wildcard_dns?: boolean;
	dns_provider?: DnsProvider;
	cloudflare_api_token?: string;
	cloudflare_zone_id?: string;
	cloudflare_zone_name?: string;
	dns_ttl?: number;
	cloudflare_proxied?: boolean;
	dns_delete_grace_seconds?: number;
	dns_sync_interval_seconds?: number;
}
