export interface User {
	id: number;
	username: string;
}

export interface LoginRequest {
	username: string;
	password: string;
}

/** Answer of POST /api/auth/login and GET /api/auth/me. */
export interface UserResponse {
	user: User;
}

/** Body of PUT /api/auth/password. */
export interface PasswordChange {
	current_password: string;
	new_password: string;
}
