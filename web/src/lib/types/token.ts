/** An API token as listed: the secret itself is never returned again. */
export interface ApiToken {
	id: number;
	name: string;
	prefix: string;
	created_at: string;
	last_used_at: string | null;
}

/** Answer of POST /api/tokens: the only time the token is shown. */
export interface CreatedApiToken {
	id: number;
	name: string;
	token: string;
	created_at: string;
}
