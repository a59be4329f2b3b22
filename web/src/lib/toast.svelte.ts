/** The messages shown in the corner of the screen (see components/Toasts.svelte). */

export type ToastKind = 'error' | 'success' | 'info';

export interface Toast {
	id: number;
	kind: ToastKind;
	message: string;
}

const TIMEOUT_MS: Record<ToastKind, number> = { success: 4000, info: 6000, error: 10000 };

class ToastList {
	items = $state<Toast[]>([]);
	#next = 1;

	show(kind: ToastKind, message: string): number {
		const id = this.#next++;
		// The same message twice in a row is shown once.
		this.items = [...this.items.filter((t) => t.message !== message), { id, kind, message }];
		if (typeof window !== 'undefined') setTimeout(() => this.dismiss(id), TIMEOUT_MS[kind]);
		return id;
	}

	error(message: string): number {
		return this.show('error', message);
	}

	success(message: string): number {
		return this.show('success', message);
	}

	dismiss(id: number): void {
		this.items = this.items.filter((t) => t.id !== id);
	}

	clear(): void {
		this.items = [];
	}
}

export const toasts = new ToastList();
