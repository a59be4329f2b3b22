/**
 * The registry webhook's secret (the setting registry_webhook_secret):
 * whether one is stored, and storing a new one. It is write-only: the API
 * never sends it back.
 */
import { api } from './client';

interface WebhookSettings {
	registry_webhook_secret_set?: boolean;
}

export async function webhookSecretSet(): Promise<boolean> {
	const s = await api.get<WebhookSettings>('/api/settings');
	return s.registry_webhook_secret_set === true;
}

/** Store a new secret (16 to 256 characters; a 400 naming registry_webhook_secret otherwise). */
export async function saveWebhookSecret(secret: string): Promise<boolean> {
	const s = await api.put<WebhookSettings>('/api/settings', { registry_webhook_secret: secret });
	return s.registry_webhook_secret_set === true;
}
