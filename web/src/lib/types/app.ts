export type RestartPolicy = 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** What happens to an instance whose tag vanished from the registry. */
export type VanishedTag = 'keep' | 'remove';

/**
 * The writable fields of an app. name, image, tag_pattern, container_port,
 * env, auto_deploy and registry_username are replaced by every POST and PUT;
 * the optional ones left out keep their stored value (or their default).
 */
export interface AppInput {
	name: string;
	image: string;
	tag_pattern: string;
	container_port: number;
	env: Record<string, string>;
	auto_deploy: boolean;
	poll_interval_seconds: number;
	registry_username?: string;
	/** Write-only; "" clears it. */
	registry_password?: string;
	/** A path that must answer 2xx or 3xx before a container counts as healthy; "" for none. */
	health_path?: string;
	/** The Host of the health request; "" for the instance's name. */
	health_host?: string;
	/** 0: no limit. */
	memory_mb?: number;
	/** 0: no limit. */
	cpus?: number;
	/** Named volume → absolute path in the container. */
	volumes?: Record<string, string>;
	restart_policy?: RestartPolicy;
	vanished_tag?: VanishedTag;
}

export interface App extends Required<Omit<AppInput, 'registry_password'>> {
	id: number;
	registry_password_set: boolean;
	/** The watcher's last problem with the registry; "" once a check succeeds. */
	last_error: string;
	/** When the watcher last asked the registry; null before it did. */
	last_checked_at: string | null;
	created_at: string;
	updated_at: string;
}
