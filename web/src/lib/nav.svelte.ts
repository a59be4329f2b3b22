/**
 * The main navigation: which entry is the current page, and the menu that
 * holds it on a narrow screen (a button with aria-expanded opens it;
 * Escape, a click elsewhere and a navigation close it).
 */

export interface NavItem {
	href: string;
	label: string;
}

/** Whether `href` is the page at `pathname` or one under it; "/" (the dashboard) only itself. */
export function isCurrent(pathname: string, href: string): boolean {
	if (href === '/') return pathname === '/';
	return pathname === href || pathname.startsWith(href + '/');
}

/** Why the menu closes: Escape gives the focus back to its button; a navigation or a click elsewhere does not. */
export type CloseReason = 'escape' | 'navigation' | 'outside' | 'toggle';

export class NavMenu {
	open = $state(false);

	toggle(): void {
		this.open = !this.open;
	}

	/**
	 * Close the menu; true when the focus should go back to the menu
	 * button (it was open, and Escape closed it, or the button itself).
	 */
	close(reason: CloseReason): boolean {
		if (!this.open) return false;
		this.open = false;
		return reason === 'escape' || reason === 'toggle';
	}

	/** A key pressed anywhere: true when it closed the menu (Escape while open). */
	keydown(key: string): boolean {
		return key === 'Escape' && this.close('escape');
	}
}
