package model

import "time"

// ACMEChallenge is a DNS-01 challenge TXT record Docker Watcher writes for
// its certificates: the row exists before the record is created and goes
// after the record is deleted, so a crash never leaves one of ours
// untracked.
type ACMEChallenge struct {
	ID               int64
	Provider         string
	ZoneID           string
	FQDN             string // _acme-challenge.<name>, lower case, no trailing dot
	Content          string // the key authorization digest, unquoted
	ProviderRecordID string // "" until the provider answered the create
	CreatedAt        time.Time
}

// Target is the provider's zone the record is in.
func (c ACMEChallenge) Target() DNSTarget { return DNSTarget{Provider: c.Provider, ZoneID: c.ZoneID} }
