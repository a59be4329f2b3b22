/** What a token may do: everything its user may, or only read (GET). */
export type TokenScope = 'full' | 'read';

/** An API token as listed: the secret itself is never returned again. */
export interface ApiToken {
	id: number;
	name: string;
	prefix: string;
	scope: TokenScope;
	created_at: string;
	/** null: never expires. */
	expires_at: string | null;
	last_used_at: string | null;
}

/** Body of POST /api/tokens. */
export interface TokenRequest {
	name: string;
	scope: TokenScope;
	/** 1 to 3650; null: never expires. */
	expires_in_days: number | null;
}

/** Answer of POST /api/tokens: the only time the token is shown. */
export interface CreatedApiToken extends ApiToken {
	token: string;
}
