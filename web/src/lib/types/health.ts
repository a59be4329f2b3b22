/** GET /healthz. */
export interface Health {
	status: string;
	database: string;
	/** Whether the Docker Engine answers; without it proxies and DNS keep working. */
	docker: 'ok' | 'unreachable' | string;
}
