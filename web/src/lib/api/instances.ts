import type { DeployInput, Instance, InstanceAction } from '$lib/types/instance';
import { ApiError, api, type RequestOptions } from './client';

const base = '/api/instances';

export function listInstances(options?: RequestOptions): Promise<Instance[]> {
	return api.get<Instance[]>(base, options);
}

export function getInstance(id: number, options?: RequestOptions): Promise<Instance> {
	return api.get<Instance>(`${base}/${id}`, options);
}

/**
 * An action that ran and failed (422): the API's message, and the instance
 * as the failure left it (its status and last_error say why).
 */
export class ActionError extends ApiError {
	readonly instance: Instance;

	constructor(message: string, instance: Instance) {
		super(422, message);
		this.name = 'ActionError';
		this.instance = instance;
	}
}

/**
 * Run a lifecycle action. Start, stop and restart answer once done (200),
 * redeploy and rollback at once (202), the deploy going on in the
 * background (its progress on the instance). Both give the instance. A
 * failed action throws ActionError with the instance; an unreachable
 * engine is a 502 ApiError.
 */
export async function instanceAction(id: number, action: InstanceAction): Promise<Instance> {
	try {
		return await api.post<Instance>(`${base}/${id}/${action}`);
	} catch (err) {
		const instance = failedInstance(err);
		if (instance && err instanceof ApiError) throw new ActionError(err.message, instance);
		throw err;
	}
}

function failedInstance(err: unknown): Instance | undefined {
	if (!(err instanceof ApiError) || err.status !== 422) return undefined;
	const body = err.body as { instance?: unknown } | undefined;
	const inst = body?.instance;
	return inst && typeof inst === 'object' && 'id' in inst ? (inst as Instance) : undefined;
}

/** Remove the container and the instance; its route and DNS record go with it. */
export function deleteInstance(id: number): Promise<void> {
	return api.del(`${base}/${id}`);
}

/** The container's last `tail` lines of output (stdout and stderr), as text. */
export function instanceLogs(id: number, tail = 200, options?: RequestOptions): Promise<string> {
	return api.text(`${base}/${id}/logs?tail=${encodeURIComponent(String(tail))}`, options);
}

/**
 * Deploy a tag of an app: 202 with the new instance, in status deploying.
 * A bad tag or subdomain is a 400 naming its field, a taken subdomain a
 * 409 naming `subdomain`, an unreachable engine a 502.
 */
export function deployApp(appId: number, input: DeployInput): Promise<Instance> {
	return api.post<Instance>(`/api/apps/${appId}/deploy`, input);
}
