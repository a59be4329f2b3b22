package model

import "time"

// States of an owned DNS record.
const (
	RecordPending  = "pending"  // written before the provider call that creates it
	RecordSynced   = "synced"   // the provider has it as we want it
	RecordError    = "error"    // the last attempt failed; LastError says why
	RecordDeleting = "deleting" // written before the provider call that deletes it
)

// Consumer kinds.
const (
	KindInstance = "instance"
	KindProxy    = "proxy"
)

// DNSRecord is a row of dns_records: a record Docker Watcher owns (or is
// about to own) at a provider.
type DNSRecord struct {
	ID               int64
	Provider         string
	ZoneID           string
	FQDN             string
	Type             string
	Content          string
	ProviderRecordID string
	ConsumerKind     string
	ConsumerID       int64
	State            string
	LastError        string
	LastSyncedAt     *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}
