package reconcile

import (
	"context"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Rows is where Apply keeps the records we own.
type Rows interface {
	PutDNSRecords(ctx context.Context, put, del []model.DNSRecord) error
	TouchDNSRecords(ctx context.Context, ids []int64, at time.Time) error
}

// Target names the provider and zone the rows belong to.
type Target struct {
	Provider string
	ZoneID   string
}

func (t Target) row(name, typ string) model.DNSRecord {
	return model.DNSRecord{Provider: t.Provider, ZoneID: t.ZoneID, FQDN: name, Type: typ}
}

// Apply carries out a plan: rows are written `pending` before creates and
// `deleting` before deletes, then the provider is called (one batch where
// it can), then the rows take the provider's answer: `synced` with its id,
// `error` with its message, or gone after a delete. listed is the listing
// the plan was made from (nil when there was none). Errors of single
// records are in the report lines; an error is returned only when the rows
// could not be written.
func Apply(ctx context.Context, p dns.Provider, rows Rows, t Target, c Changes, listed []dns.Record, now time.Time, rep *Report) error {
	var before, forget []model.DNSRecord
	for _, it := range c.Create {
		r := t.row(it.Want.Record.Name, it.Want.Record.Type)
		r.Content, r.State = it.Want.Record.Content, model.RecordPending
		r.ConsumerKind, r.ConsumerID = it.Want.Consumer.Kind, it.Want.Consumer.ID
		if it.Row != nil {
			r.LastError = it.Row.LastError
		}
		before = append(before, r)
	}
	for _, it := range c.Delete {
		if it.Row != nil && it.Want.Record.Name == "" && !wantedKey(c, it.Row) {
			r := *it.Row
			r.State = model.RecordDeleting
			before = append(before, r)
		}
	}
	for _, it := range c.Forget {
		forget = append(forget, *it.Row)
	}
	if err := rows.PutDNSRecords(ctx, before, forget); err != nil {
		return err
	}

	changes := make([]dns.Change, 0, c.Writes())
	for _, it := range c.Create {
		changes = append(changes, dns.Change{Action: dns.Create, Record: it.Want.Record})
	}
	for _, it := range c.Update {
		r := it.Want.Record
		r.ID, r.Owner = it.Current.ID, it.Current.Owner
		changes = append(changes, dns.Change{Action: dns.Update, Record: r})
	}
	for _, it := range c.Delete {
		changes = append(changes, dns.Change{Action: dns.Delete, Record: it.Current})
	}
	results := applyChanges(ctx, p, changes, listed)

	var put, del []model.DNSRecord
	stamp := now.UTC()
	synced := func(it Item, rec dns.Record) model.DNSRecord {
		r := t.row(it.Want.Record.Name, it.Want.Record.Type)
		r.Content, r.ProviderRecordID, r.State, r.LastSyncedAt = rec.Content, rec.ID, model.RecordSynced, &stamp
		r.ConsumerKind, r.ConsumerID = it.Want.Consumer.Kind, it.Want.Consumer.ID
		return r
	}
	failed := func(r model.DNSRecord, err error) model.DNSRecord {
		r.State, r.LastError = model.RecordError, err.Error()
		return r
	}
	pending := before[:len(c.Create)] // the rows written above, in order
	i := 0
	for k, it := range c.Create {
		res := results[i]
		i++
		line := Line{FQDN: it.Want.Record.Name, Type: it.Want.Record.Type, Content: it.Want.Record.Content, Action: ActCreate}
		if res.Err != nil {
			line.Error = res.Err.Error()
			put = append(put, failed(pending[k], res.Err))
		} else {
			put = append(put, synced(it, res.Record))
		}
		rep.add(line)
	}
	for _, it := range c.Update {
		res := results[i]
		i++
		line := Line{FQDN: it.Want.Record.Name, Type: it.Want.Record.Type, Content: it.Want.Record.Content, Action: ActUpdate}
		if res.Err != nil {
			line.Error = res.Err.Error()
			r := synced(it, it.Current)
			put = append(put, failed(r, res.Err))
		} else {
			put = append(put, synced(it, res.Record))
		}
		rep.add(line)
	}
	// Several records of ours may share a row (duplicates): the row goes
	// only when every delete of its name and type succeeded.
	deleteFailed := map[string]bool{}
	for k := range c.Delete {
		if err := results[i+k].Err; err != nil {
			deleteFailed[key(c.Delete[k].Current.Name, c.Delete[k].Current.Type)] = true
		}
	}
	for _, it := range c.Delete {
		res := results[i]
		i++
		line := Line{FQDN: it.Current.Name, Type: it.Current.Type, Content: it.Current.Content, Action: ActDelete}
		duplicate := it.Row == nil || wantedKey(c, it.Row)
		switch {
		case res.Err != nil:
			line.Error = res.Err.Error()
			if !duplicate {
				put = append(put, failed(*it.Row, res.Err))
			}
		case !duplicate && !deleteFailed[key(it.Row.FQDN, it.Row.Type)]:
			del = append(del, *it.Row)
		}
		rep.add(line)
	}
	var touch []int64
	for _, it := range c.InSync {
		r := synced(it, it.Current)
		if unchanged(it.Row, r) {
			touch = append(touch, it.Row.ID) // a no-op sync rewrites no row
		} else {
			put = append(put, r)
		}
		rep.add(Line{FQDN: it.Want.Record.Name, Type: it.Want.Record.Type, Content: it.Want.Record.Content, Action: ActInSync})
	}
	for _, it := range c.Conflicts {
		rep.add(Line{FQDN: it.Want.Record.Name, Type: it.Want.Record.Type, Content: it.Want.Record.Content, Action: ActConflict, Error: it.Reason})
	}
	if err := rows.PutDNSRecords(context.WithoutCancel(ctx), put, del); err != nil {
		return err
	}
	return rows.TouchDNSRecords(context.WithoutCancel(ctx), touch, stamp)
}

// unchanged reports whether a stored row already says what r says.
func unchanged(row *model.DNSRecord, r model.DNSRecord) bool {
	return row != nil && row.ID != 0 && row.State == r.State && row.LastError == "" && row.Content == r.Content &&
		row.ProviderRecordID == r.ProviderRecordID && row.ConsumerKind == r.ConsumerKind && row.ConsumerID == r.ConsumerID
}

// wantedKey reports whether a row's name and type are still wanted (its
// delete is then of a duplicate, and the row belongs to the kept record).
func wantedKey(c Changes, row *model.DNSRecord) bool {
	k := key(row.FQDN, row.Type)
	for _, list := range [][]Item{c.Create, c.Update, c.InSync, c.Conflicts} {
		for _, it := range list {
			if key(it.Want.Record.Name, it.Want.Record.Type) == k {
				return true
			}
		}
	}
	return false
}

// applyChanges sends the changes through the provider's batch path where
// it has one, else one call per change. It returns one result per change.
func applyChanges(ctx context.Context, p dns.Provider, changes []dns.Change, listed []dns.Record) []dns.ChangeResult {
	if len(changes) == 0 {
		return nil
	}
	var results []dns.ChangeResult
	var err error
	lb, listedOK := p.(dns.ListedBatcher)
	b, batchOK := p.(dns.Batcher)
	switch {
	case listedOK && listed != nil:
		results, err = lb.ApplyBatchListed(ctx, changes, listed)
	case batchOK:
		results, err = b.ApplyBatch(ctx, changes)
	default:
		results = make([]dns.ChangeResult, len(changes))
		for i, c := range changes {
			results[i].Change = c
			if c.Action == dns.Delete {
				results[i].Err = p.DeleteRecord(ctx, c.Record)
			} else {
				results[i].Record, results[i].Err = p.EnsureRecord(ctx, c.Record)
			}
		}
	}
	if err != nil || len(results) != len(changes) {
		if err == nil {
			err = errShortResults
		}
		results = make([]dns.ChangeResult, len(changes))
		for i, c := range changes {
			results[i] = dns.ChangeResult{Change: c, Err: err}
		}
	}
	return results
}
