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
	KindUI       = "ui" // settings.ui_domain: the UI and API through the built-in proxy
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
	// PendingSince is when a create of this row's record was first sent
	// while the row has no provider id yet; nil otherwise. Crash recovery
	// adopts a record of ours only if the provider created it after this.
	PendingSince *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Target is the provider's zone the row belongs to.
func (r DNSRecord) Target() DNSTarget { return DNSTarget{Provider: r.Provider, ZoneID: r.ZoneID} }

// AwaitsID reports whether a create was sent for the row and its answer
// (the record's id) never came back: a crash or a lost answer.
func (r DNSRecord) AwaitsID() bool {
	return r.ProviderRecordID == "" && r.PendingSince != nil
}

// DNSTarget is a provider's zone: where rows and their records live.
type DNSTarget struct {
	Provider string
	ZoneID   string
}

// Row returns an empty row of this target for a name and type.
func (t DNSTarget) Row(name, typ string) DNSRecord {
	return DNSRecord{Provider: t.Provider, ZoneID: t.ZoneID, FQDN: name, Type: typ}
}

// DNSCleanup is an earlier DNS configuration whose records are still to be
// removed: the provider, the zone, and the credentials to remove them with,
// kept (as secrets are) until its last row is gone.
type DNSCleanup struct {
	DNSTarget
	ZoneName    string
	Credentials map[string]string // secret: never returned, never logged
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
