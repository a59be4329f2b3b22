import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

// The Go server (docker-watcher serve) listens on 127.0.0.1:8080 by default;
// DW_DEV_BACKEND points the dev server elsewhere.
const backend = process.env.DW_DEV_BACKEND || 'http://127.0.0.1:8080';

export default defineConfig({
	plugins: [sveltekit()],
	server: {
		// Host and Origin stay those of the dev server, so the backend's
		// cross-origin protection sees a same-origin request.
		proxy: {
			'/api': backend,
			'/healthz': backend
		}
	},
	test: {
		include: ['src/**/*.test.ts'],
		environment: 'node'
	}
});
