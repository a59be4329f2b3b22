import type { LoginRequest, User, UserResponse } from '$lib/types/auth';
import { api } from './client';

/** Log in; a 401 or 429 is the caller's to show, not a redirect. */
export async function login(credentials: LoginRequest): Promise<User> {
	const res = await api.post<UserResponse>('/api/auth/login', credentials, { noAuthRedirect: true });
	return res.user;
}

export async function logout(): Promise<void> {
	await api.post<void>('/api/auth/logout', undefined, { noAuthRedirect: true });
}

/** The logged-in user; throws ApiError 401 (without redirecting) when there is none. */
export async function me(): Promise<User> {
	const res = await api.get<UserResponse>('/api/auth/me', { noAuthRedirect: true });
	return res.user;
}
