/** Test data of the Apps pages: a valid app with overrides. */
import type { App } from '$lib/types/app';

const time = '2026-11-27T21:00:00Z';

export function makeApp(overrides: Partial<App> = {}): App {
	return {
		id: 1,
		name: 'web',
		image: 'registry.example.com/team/web',
		tag_pattern: 'v\\d+\\.\\d+\\.\\d+',
		container_port: 8080,
		env: {},
		auto_deploy: true,
		poll_interval_seconds: 300,
		registry_username: '',
		registry_password_set: false,
		health_path: '',
		health_host: '',
		memory_mb: 0,
		cpus: 0,
		volumes: {},
		restart_policy: 'unless-stopped',
		vanished_tag: 'keep',
		last_error: '',
		last_checked_at: null,
		created_at: time,
		updated_at: time,
		...overrides
	};
}
