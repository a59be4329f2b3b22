import type { HandleClientError } from '@sveltejs/kit';
import { errorMessage } from '$lib/errors';

// Show what went wrong on the error page instead of a bare "Internal Error".
export const handleError: HandleClientError = ({ error }) => {
	console.error(error);
	return { message: errorMessage(error) };
};
