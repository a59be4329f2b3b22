package reconcile

import (
	"context"
	"errors"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// ErrNotTracked: no owned record has that name.
var ErrNotTracked = errors.New("no record of that name is owned by Docker Watcher")

// ErrNotAtProvider: rows tracked the name, but none of their records is at
// the provider (any more) as ours; the rows were removed.
var ErrNotAtProvider = errors.New("no record of that name that Docker Watcher created is at the provider")

// DeleteName deletes the owned records (every type) of one name at the
// provider and from the table, each with the credentials of its zone. A
// failure keeps the row with the error.
func (r *Reconciler) DeleteName(ctx context.Context, fqdn string) ([]Line, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := r.store.DNSRecords(ctx)
	if err != nil {
		return nil, err
	}
	cleanups, err := r.store.DNSCleanups(ctx)
	if err != nil {
		return nil, err
	}
	groups := map[Target][]model.DNSRecord{}
	var targets []Target
	for _, row := range rows {
		if row.FQDN == fqdn {
			if groups[row.Target()] == nil {
				targets = append(targets, row.Target())
			}
			groups[row.Target()] = append(groups[row.Target()], row)
		}
	}
	if len(targets) == 0 {
		return nil, ErrNotTracked
	}
	var rep Report
	var firstErr error
	for _, t := range targets {
		creds := cleanupSettings(st, t, cleanups)
		if st.Managed() && t == st.DNS().Target() {
			creds = st
		}
		if err := r.removeRows(ctx, creds, t, groups[t], &rep); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		var de *dns.Error
		if errors.As(firstErr, &de) {
			return rep.Records, firstErr
		}
		return rep.Records, &dns.Error{Provider: st.DNSProvider, Op: "delete " + fqdn, Message: firstErr.Error()}
	}
	if rep.Deleted == 0 {
		return rep.Records, ErrNotAtProvider
	}
	return rep.Records, nil
}
