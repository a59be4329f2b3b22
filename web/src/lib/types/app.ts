/** Docker's restart policies of an app's containers. */
export type RestartPolicy = 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** What the watcher does with an instance whose tag vanished from the registry. */
export type VanishedTag = 'keep' | 'remove';

/**
 * The writable fields of an app. POST and PUT take the required ones each
 * time; optional fields left out keep their stored value (or the default).
 */
export interface AppInput {
	/** A DNS label, unique: the start of its instances' subdomains. */
	name: string;
	/** A repository without tag or digest, e.g. registry.example.com/team/web. */
	image: string;
	/** A regular expression (RE2) a tag must match in full; default `latest`. */
	tag_pattern: string;
	container_port: number;
	env: Record<string, string>;
	auto_deploy: boolean;
	/** 0: webhooks only; else 10..86400 (default 300). */
	poll_interval_seconds?: number;
	registry_username?: string;
	/** Write-only; "" clears it, left out keeps it. */
	registry_password?: string;
	health_path?: string;
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

/** An app as the API shows it: every field set, the password only as whether one is stored. */
export interface App extends Required<Omit<AppInput, 'registry_password'>> {
	id: number;
	/** A registry password is stored; it is never sent back. */
	registry_password_set: boolean;
	/** The watcher's last problem with the registry; "" once a check succeeds. */
	last_error: string;
	/** When the watcher last asked the registry; null before its first check. */
	last_checked_at: string | null;
	created_at: string;
	updated_at: string;
}

/** One tag of an app's repository (GET /api/apps/{id}/tags). */
export interface AppTag {
	tag: string;
	/** Only the newest few carry it. */
	digest?: string;
}

/** The tags of an app's repository that its pattern matches, newest-looking first. */
export interface AppTags {
	/** At most 200. */
	tags: AppTag[];
	/** How many tags match, before the cap. */
	total: number;
	/** What could not be read beside the list (digests); "" when nothing failed. */
	error: string;
}
