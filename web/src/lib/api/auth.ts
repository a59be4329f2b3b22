import type { LoginRequest, PasswordChange, User, UserResponse } from '$lib/types/auth';
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

/**
 * Change the password: every other session ends, this browser gets a new
 * one. A wrong current password is a 400 naming `current_password`.
 */
export async function changePassword(change: PasswordChange): Promise<void> {
	await api.put<void>('/api/auth/password', change);
}

/** End every session of the user, this one included ("sign out everywhere"). */
export async function signOutEverywhere(): Promise<void> {
	await api.del('/api/auth/sessions', { noAuthRedirect: true });
}
