/** The writable fields of an app. */
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
}

export interface App extends Omit<AppInput, 'registry_password'> {
	id: number;
	registry_username: string;
	registry_password_set: boolean;
	created_at: string;
	updated_at: string;
}
