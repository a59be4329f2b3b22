// Package events is Docker Watcher's one notification path: whatever
// changes a consumer or the settings saves to the store, then publishes an
// Event on the Bus; the proxy router, the DNS scheduler and the UI's live
// stream subscribe. An event says what changed, never the new state (each
// subscriber reads that from the store) and never a secret. It imports
// nothing of Docker Watcher.
package events

import "sync"

// Kind is what changed.
type Kind string

// Kinds of events.
const (
	// ConsumersChanged: an instance or a standalone proxy was created,
	// changed or removed, or an instance's status changed.
	ConsumersChanged Kind = "consumers_changed"
	// SettingsChanged: the settings were saved.
	SettingsChanged Kind = "settings_changed"
	// AppsChanged: an app was created, changed or removed.
	AppsChanged Kind = "apps_changed"
	// DNSSynced: a DNS sync ran, and saved its report or failed (records
	// may have changed either way).
	DNSSynced Kind = "dns_synced"
	// InstanceProgress: a deploy of an instance reached a new step.
	InstanceProgress Kind = "instance_progress"
	// CertificatesChanged: a certificate was obtained, renewed or failed,
	// or the planned ones changed.
	CertificatesChanged Kind = "certificates_changed"
)

// Event is one change.
type Event struct {
	Kind    Kind
	Subject string // "proxy", "instance", "settings"
	ID      int64  // of the proxy or instance; 0 when none
}

// Bus fans events out to its subscribers, in the order they subscribed, in
// the publisher's goroutine: a subscriber that must do slow work hands the
// event to a goroutine of its own (the DNS scheduler only signals its
// loop). Safe for concurrent use.
type Bus struct {
	mu   sync.RWMutex
	next int
	subs []subscriber
}

type subscriber struct {
	id     int
	handle func(Event)
}

// Subscribe calls handle for every event published from now on, until the
// returned function is called. handle must not block.
func (b *Bus) Subscribe(handle func(Event)) (unsubscribe func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	id := b.next
	b.subs = append(b.subs, subscriber{id: id, handle: handle})
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for i, s := range b.subs {
			if s.id == id {
				b.subs = append(b.subs[:i:i], b.subs[i+1:]...)
				return
			}
		}
	}
}

// Publish hands e to every subscriber. It never fails: the change is saved
// already, and each subscriber can rebuild from the store.
func (b *Bus) Publish(e Event) {
	b.mu.RLock()
	subs := b.subs
	b.mu.RUnlock()
	for _, s := range subs {
		s.handle(e)
	}
}
