import { redirect } from '@sveltejs/kit';
import { me } from '$lib/api/auth';
import { ApiError } from '$lib/api/client';
import { safeNextPath } from '$lib/format';
import type { User } from '$lib/types/auth';
import type { LayoutLoad } from './$types';

// A single-page app: everything renders in the browser, nothing is prerendered.
export const ssr = false;
export const prerender = false;

// Runs when the app starts and after login / logout (invalidateAll), not on
// every navigation: the session is checked once, and a 401 from any later
// call sends the user to /login (see setUnauthorizedHandler).
export const load: LayoutLoad = async ({ url, untrack }): Promise<{ user: User | null }> => {
	const { pathname, search, searchParams } = untrack(() => ({
		pathname: url.pathname,
		search: url.search,
		searchParams: url.searchParams
	}));
	const onLogin = pathname === '/login';
	let user: User;
	try {
		user = await me();
	} catch (err) {
		if (err instanceof ApiError && err.status === 401) {
			if (!onLogin) redirect(307, '/login?next=' + encodeURIComponent(pathname + search));
			return { user: null };
		}
		throw err;
	}
	if (onLogin) redirect(307, safeNextPath(searchParams.get('next')));
	return { user };
};
