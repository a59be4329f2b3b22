import type { CertificateBadge } from './certificate';
import type { RouteStatus } from './proxy';

export type InstanceStatus = 'deploying' | 'running' | 'stopped' | 'failed';

/** The steps of a deploy (a first deploy, a redeploy or a rollback), in order; then done or failed. */
export type DeployStep =
	| 'pulling'
	| 'creating'
	| 'starting'
	| 'waiting_for_health'
	| 'routing'
	| 'draining'
	| 'done'
	| 'failed';

/** The step the instance's last deploy is at, while the server runs. */
export interface DeployProgress {
	step: DeployStep | string;
	/** While pulling: bytes pulled of the layers known so far. */
	current?: number;
	total?: number;
	/** On the steps after pulling: this rollout pulled its image. */
	pulled?: boolean;
}

/** The lifecycle actions of an instance (POST /api/instances/{id}/{action}). */
export type InstanceAction = 'start' | 'stop' | 'restart' | 'redeploy' | 'rollback';

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
	/** The certificate serving the name over HTTPS; null when none is planned. */
	certificate?: CertificateBadge | null;
	/** Why the last deploy or action failed; may end with the container's last log lines. */
	last_error: string;
	/** The image the container runs. */
	image_id: string;
	/** The digest it ran before its last deploy; "" when there is nothing to roll back to. */
	previous_digest: string;
	/** A digest the watcher does not deploy again: the last that failed, or the one a rollback left; "" when none. */
	failed_digest: string;
	/** An earlier image is kept to roll back to. */
	can_rollback: boolean;
	/** Absent when the server has not deployed it since it started. */
	progress?: DeployProgress;
	/** When the status last changed; a stopped instance's grace period counts from it. */
	status_changed_at: string;
	created_at: string;
	updated_at: string;
}

/** The body of POST /api/apps/{id}/deploy. */
export interface DeployInput {
	tag: string;
	/** Default: the app's name and the tag, made unique. */
	subdomain?: string;
}
