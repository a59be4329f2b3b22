// Package reconcile keeps DNS records in step with the consumers (running
// instances with a proxy route, and standalone proxies).
//
// Decisions are pure: Desired turns consumers and settings into the records
// that should exist, and Plan compares those with the provider's records and
// the rows of records we own. Apply is the only code that calls a provider
// during a sync; it writes a row before each create and delete so that a
// crash in between is resolved by the next run. The Reconciler serialises
// runs; the Scheduler triggers them (start, period, hooks, settings).
package reconcile
