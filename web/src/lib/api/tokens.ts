import type { ApiToken, CreatedApiToken, TokenRequest } from '$lib/types/token';
import { api } from './client';

const base = '/api/tokens';

export function listTokens(): Promise<ApiToken[]> {
	return api.get<ApiToken[]>(base);
}

/** The answer carries the token itself: the only time it is shown. */
export function createToken(request: TokenRequest): Promise<CreatedApiToken> {
	return api.post<CreatedApiToken>(base, request);
}

export function deleteToken(id: number): Promise<void> {
	return api.del(`${base}/${id}`);
}
