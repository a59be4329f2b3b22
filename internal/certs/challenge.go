package certs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/libdns/libdns"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Challenges is where DNS-01 challenge records are tracked (the store).
type Challenges interface {
	// AddChallenge inserts c and returns it with its ID.
	AddChallenge(ctx context.Context, c model.ACMEChallenge) (model.ACMEChallenge, error)
	SetChallengeRecordID(ctx context.Context, id int64, recordID string) error
	DeleteChallenge(ctx context.Context, id int64) error
	Challenges(ctx context.Context) ([]model.ACMEChallenge, error)
}

// DNSAccess opens the DNS provider of the current settings and names the
// zone it writes; an error when DNS is not managed.
type DNSAccess func(ctx context.Context) (dns.Provider, model.DNSTarget, error)

// challengeDNS is the DNS provider certmagic's DNS-01 solver writes
// through: our own provider layer, with every record tracked before it
// is created and only our own records deleted.
type challengeDNS struct {
	open  DNSAccess
	track Challenges
	now   func() time.Time
}

// AppendRecords creates the challenge TXT records (certmagic sends one).
func (c *challengeDNS) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	p, target, err := c.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("dns-01: %w", err)
	}
	out := make([]libdns.Record, 0, len(recs))
	for _, rec := range recs {
		rr := rec.RR()
		if rr.Type != "TXT" {
			return out, fmt.Errorf("dns-01: record type %s is not a challenge", rr.Type)
		}
		fqdn := absolute(rr.Name, zone)
		row, err := c.track.AddChallenge(ctx, model.ACMEChallenge{Provider: target.Provider, ZoneID: target.ZoneID,
			FQDN: fqdn, Content: rr.Data, CreatedAt: c.now()})
		if err != nil {
			return out, fmt.Errorf("dns-01: track the record %s: %w", fqdn, err)
		}
		made, err := p.EnsureRecord(ctx, dns.Record{Name: fqdn, Type: "TXT", Content: rr.Data})
		if err != nil {
			// The create may have happened (a lost answer): the row stays
			// unless our record is surely gone, and the next sweep
			// removes what is left.
			if derr := c.remove(context.WithoutCancel(ctx), p, row); derr != nil {
				err = errors.Join(err, fmt.Errorf("left for the next sweep: %w", derr))
			}
			return out, fmt.Errorf("dns-01: create the TXT record %s: %w", fqdn, err)
		}
		if err := c.track.SetChallengeRecordID(ctx, row.ID, made.ID); err != nil {
			return out, fmt.Errorf("dns-01: track the record %s: %w", fqdn, err)
		}
		out = append(out, libdns.TXT{Name: rr.Name, TTL: rr.TTL, Text: rr.Data})
	}
	return out, nil
}

// DeleteRecords deletes the challenge records we created with these
// names and values; any other record is left alone.
func (c *challengeDNS) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	p, target, err := c.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("dns-01: %w", err)
	}
	rows, err := c.track.Challenges(ctx)
	if err != nil {
		return nil, fmt.Errorf("dns-01: tracked records: %w", err)
	}
	var out []libdns.Record
	var errs []error
	for _, rec := range recs {
		rr := rec.RR()
		fqdn := absolute(rr.Name, zone)
		for _, row := range rows {
			if row.Target() != target || row.FQDN != fqdn || row.Content != rr.Data {
				continue
			}
			if err := c.remove(ctx, p, row); err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, rec)
		}
	}
	return out, errors.Join(errs...)
}

// remove deletes a tracked record (by its id when known, else ours by
// name and value), then its row.
func (c *challengeDNS) remove(ctx context.Context, p dns.Provider, row model.ACMEChallenge) error {
	r := dns.Record{ID: row.ProviderRecordID, Name: row.FQDN, Type: "TXT", Content: row.Content}
	if err := p.DeleteRecord(ctx, r); err != nil {
		return fmt.Errorf("dns-01: delete the TXT record %s: %w", row.FQDN, err)
	}
	if err := c.track.DeleteChallenge(ctx, row.ID); err != nil {
		return fmt.Errorf("dns-01: forget the record %s: %w", row.FQDN, err)
	}
	return nil
}

// Sweep deletes the tracked records created before cutoff, in the zone
// DNS writes now: those of a crashed process, or whose clean-up failed.
// Rows of another zone are left (their records cannot be reached with
// the current credentials) and reported.
func (c *challengeDNS) Sweep(ctx context.Context, cutoff time.Time) error {
	rows, err := c.track.Challenges(ctx)
	if err != nil || len(rows) == 0 {
		return err
	}
	p, target, err := c.open(ctx)
	if err != nil {
		return fmt.Errorf("dns-01: %d challenge records left: %w", len(rows), err)
	}
	var errs []error
	for _, row := range rows {
		if !row.CreatedAt.Before(cutoff) {
			continue
		}
		if row.Target() != target {
			errs = append(errs, fmt.Errorf("dns-01: the challenge record %s is in a zone no longer configured (%s %s)", row.FQDN, row.Provider, row.ZoneID))
			continue
		}
		errs = append(errs, c.remove(ctx, p, row))
	}
	return errors.Join(errs...)
}

// absolute is name (relative to zone, as libdns gives it) as a lower-case
// FQDN without the trailing dot.
func absolute(name, zone string) string {
	return strings.ToLower(strings.TrimSuffix(libdns.AbsoluteName(name, zone), "."))
}
