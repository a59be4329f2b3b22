import type { RouteStatus } from './proxy';

export type InstanceStatus = 'deploying' | 'running' | 'stopped' | 'failed';

export interface Instance {
	id: number;
	app_id: number;
	tag: string;
	digest: string;
	subdomain: string;
	fqdn: string;
	status: InstanceStatus;
	host_port: number;
	container_id: string;
	proxy_route_id: number;
	route: RouteStatus;
	last_error: string;
	/** When the status last changed; a stopped instance's grace period counts from it. */
	status_changed_at: string;
	created_at: string;
	updated_at: string;
}
