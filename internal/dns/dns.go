package dns

import (
	"context"
	"strings"
	"time"
)

// Record is a DNS record as Docker Watcher sees it at a provider.
type Record struct {
	ID   string // provider's id, empty before creation
	Name string // FQDN, lower case, no trailing dot
	Type string // "A", "AAAA" or "TXT" (the types written); a listing has every type
	// Content is the IP address of an A or AAAA record, and the value of a
	// TXT record: its text unquoted, compared exactly (see QuoteTXT).
	Content string
	TTL     int    // seconds; 1 = automatic (provider default)
	Proxied bool   // Cloudflare only
	Owner   string // ownership marker as stored at the provider
	// CreatedOn is when the provider created the record (zero when it does
	// not say). Crash recovery adopts only records created after our row.
	CreatedOn time.Time
}

// Provider is a DNS zone at a DNS provider. Every method is safe for
// concurrent use. Implementations never change or delete a record whose
// Owner is not their own marker, and write only the types A, AAAA and TXT
// (others are refused before any call).
//
// An address record (A, AAAA) is one per name and type: a name answers
// with one address of each type. A TXT record is identified by its name
// AND its value: a name holds many TXT values at once (the ACME challenges
// of "*.example.com" and "example.com" are two values at
// "_acme-challenge.example.com"), and TXT records of other values at the
// name, ours or someone else's, are never in the way nor touched.
type Provider interface {
	// EnsureRecord creates r, or updates our record in place; it is
	// idempotent: a record already as r is returned without a write.
	//
	// With r.ID set it updates that record and no other, after checking
	// at the provider that it is ours, of r's name and type (else an error
	// wrapping ErrNotOurs).
	//
	// Without ID, for A and AAAA: our record of that name and type is
	// updated (our duplicates there removed), or one is created; a record
	// of that name and type that is not ours is a *ConflictError and is
	// left as it is. For TXT: our record of that name and value is
	// returned, its TTL brought in line (our duplicates of the value
	// removed), or one is created beside every other TXT record at the
	// name. Only a record of that very value that is not ours is a
	// *ConflictError: a name cannot hold one value twice, and the record
	// is not ours to take.
	EnsureRecord(ctx context.Context, r Record) (Record, error)
	// DeleteRecord deletes our record by ID (checked at the provider to be
	// ours), else by name, type and owner: for A and AAAA every record of
	// ours of that name and type, for TXT every record of ours of that
	// name and value (r.Content; a TXT delete without ID needs one, so
	// that it never takes another value's record with it). An absent
	// record is not an error; a record that is not ours is (ErrNotOurs),
	// and it is left as it is.
	DeleteRecord(ctx context.Context, r Record) error
	// ListRecords returns every record of the zone, all pages, ours or not.
	ListRecords(ctx context.Context) ([]Record, error)
}

// Action is what a Change does.
type Action string

// Actions of a Change.
const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
)

// Change is one step of a batch. For Update and Delete, Record must carry
// the ID and Owner of the record as listed at the provider; a record that
// is not ours is refused (ErrNotOurs), whatever its type. A Create of a TXT
// value adds a record beside the other values at the name.
type Change struct {
	Action Action
	Record Record
}

// ChangeResult is the outcome of one Change: the record as the provider
// now has it (zero for a delete), or the reason it failed.
type ChangeResult struct {
	Change Change
	Record Record
	Err    error
}

// Batcher is a provider that applies many changes in few calls.
type Batcher interface {
	// ApplyBatch applies the changes in provider-sized chunks and returns
	// one result per change, in order. An error is returned only when
	// nothing could be attempted; per-change failures are in the results.
	ApplyBatch(ctx context.Context, changes []Change) ([]ChangeResult, error)
}

// ListedBatcher is a Batcher that can take the listing its caller made just
// before (with ListRecords on the same provider) as the proof of which
// records are ours, instead of listing again. A sync lists, plans and
// applies within milliseconds; other callers use ApplyBatch.
type ListedBatcher interface {
	ApplyBatchListed(ctx context.Context, changes []Change, listed []Record) ([]ChangeResult, error)
}

// CallCounter is a provider that counts the API calls it made.
type CallCounter interface {
	Calls() int64
}

// Zone is a zone the credentials can see.
type Zone struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// ZoneLister is a provider that can list the zones of its credentials.
type ZoneLister interface {
	ListZones(ctx context.Context, nameContains string) ([]Zone, error)
}

// ZoneReader is a provider that can read its own zone by id: the zone's
// name is taken from the provider, never from the client, so that records
// are never written under a name the user did not mean.
type ZoneReader interface {
	Zone(ctx context.Context) (Zone, error)
}

// Check is one line of a credentials verification.
type Check struct {
	Name    string `json:"name"` // token, zone, dns_read, dns_edit
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// Verification says which of the abilities Docker Watcher needs work.
type Verification struct {
	ZoneName string  `json:"zone_name"`
	Checks   []Check `json:"checks"`
}

// OK reports whether every check passed.
func (v Verification) OK() bool {
	for _, c := range v.Checks {
		if !c.OK {
			return false
		}
	}
	return len(v.Checks) > 0
}

// Verifier is a provider that can check its credentials and zone access
// without changing the zone.
type Verifier interface {
	Verify(ctx context.Context) (Verification, error)
}

// OwnerMarker is the marker Docker Watcher puts on the records it creates,
// unique to an installation so that two installations sharing a zone never
// take each other's records.
func OwnerMarker(installationID string) string {
	return "managed by docker-watcher " + installationID
}

// IsOurs reports whether a record carries the given marker.
func IsOurs(r Record, marker string) bool {
	return marker != "" && r.Owner == marker
}

// Normalize brings a record to the form Docker Watcher compares: lower-case
// name without trailing dot, upper-case type, and automatic TTL for proxied
// records, whose TTL the provider manages itself. Content is left as it is:
// a TXT value is compared exactly, and a provider reads it with UnquoteTXT.
func (r Record) Normalize() Record {
	r.Name = strings.ToLower(strings.TrimSuffix(r.Name, "."))
	r.Type = strings.ToUpper(r.Type)
	if r.Proxied || r.TTL == 0 {
		r.TTL = 1
	}
	return r
}

// Keep is the index of the record among candidates (ours, of one name and
// type) to keep when duplicates are removed: the first that already has
// want's data, else the first.
func Keep(candidates []Record, want Record) int {
	for i, c := range candidates {
		if SameData(c, want) {
			return i
		}
	}
	return 0
}

// SameData reports whether two records would serve the same answer and
// carry the same marker, after normalisation. IDs are not compared.
func SameData(a, b Record) bool {
	a, b = a.Normalize(), b.Normalize()
	return a.Name == b.Name && a.Type == b.Type && a.Content == b.Content &&
		a.TTL == b.TTL && a.Proxied == b.Proxied && a.Owner == b.Owner
}

// Writable reports whether Docker Watcher writes records of type typ
// (upper case): A, AAAA and TXT.
func Writable(typ string) bool {
	return typ == "A" || typ == "AAAA" || typ == "TXT"
}
