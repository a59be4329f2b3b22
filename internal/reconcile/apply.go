package reconcile

import (
	"context"
	"errors"
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
type Target = model.DNSTarget

// step is one provider write of a plan, with the plan item it serves.
type step struct {
	item   Item
	change dns.Change
}

// Apply carries out a plan: rows are written `pending` before creates and
// `deleting` before deletes, then the provider is called (one batch where
// it can), then the rows take the provider's answer: `synced` with its id,
// an error with its message, or gone after a delete. listed is the listing
// the plan was made from (nil when there was none). It returns the
// provider's records as the successful changes left them. Errors of single
// records are in the report lines; an error is returned only when the rows
// could not be written.
func Apply(ctx context.Context, p dns.Provider, rows Rows, t Target, c Changes, listed []dns.Record, now time.Time, rep *Report) ([]dns.Record, error) {
	stamp := now.UTC()
	steps := planSteps(c)
	if err := rows.PutDNSRecords(ctx, rowsBefore(t, steps, stamp), forgotten(c)); err != nil {
		return nil, err
	}
	changes := make([]dns.Change, len(steps))
	for i, s := range steps {
		changes[i] = s.change
	}
	results := applyChanges(ctx, p, changes, listed)

	var put, del []model.DNSRecord
	for i, s := range steps {
		res := results[i]
		line := Line{FQDN: s.change.Record.Name, Type: s.change.Record.Type, Content: s.change.Record.Content, Action: Action(s.change.Action)}
		if res.Err != nil {
			line.Error = res.Err.Error()
		}
		rep.add(line)
		if r, gone := rowAfter(t, s, res, stamp); gone {
			del = append(del, r)
		} else {
			put = append(put, r)
		}
	}
	var touch []int64
	for _, it := range c.InSync {
		r := syncedRow(t, it, it.Current, stamp)
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
		return nil, err
	}
	return afterResults(listed, results), rows.TouchDNSRecords(context.WithoutCancel(ctx), touch, stamp)
}

// planSteps lists the provider writes of a plan: creates, updates, deletes.
func planSteps(c Changes) []step {
	steps := make([]step, 0, c.Writes())
	for _, it := range c.Create {
		steps = append(steps, step{it, dns.Change{Action: dns.Create, Record: it.Want.Record}})
	}
	for _, it := range c.Update {
		r := it.Want.Record
		r.ID, r.Owner = it.Current.ID, it.Current.Owner
		steps = append(steps, step{it, dns.Change{Action: dns.Update, Record: r}})
	}
	for _, it := range c.Delete {
		steps = append(steps, step{it, dns.Change{Action: dns.Delete, Record: it.Current}})
	}
	return steps
}

// rowsBefore are the rows written before the provider is called: a create's
// row is `pending` and remembers since when a create may have been sent
// (the first unanswered one counts), a delete's row is `deleting`.
func rowsBefore(t Target, steps []step, now time.Time) []model.DNSRecord {
	var out []model.DNSRecord
	for _, s := range steps {
		switch s.change.Action {
		case dns.Create:
			r := t.Row(s.item.Want.Record.Name, s.item.Want.Record.Type)
			r.Content, r.State = s.item.Want.Record.Content, model.RecordPending
			r.ConsumerKind, r.ConsumerID = s.item.Want.Consumer.Kind, s.item.Want.Consumer.ID
			r.PendingSince = &now
			if s.item.Row != nil {
				r.LastError = s.item.Row.LastError
				if s.item.Row.AwaitsID() {
					r.PendingSince = s.item.Row.PendingSince
				}
			}
			out = append(out, r)
		case dns.Delete:
			r := *s.item.Row
			r.State = model.RecordDeleting
			out = append(out, r)
		}
	}
	return out
}

// forgotten are the rows whose record is gone or not ours any more.
func forgotten(c Changes) []model.DNSRecord {
	out := make([]model.DNSRecord, 0, len(c.Forget))
	for _, it := range c.Forget {
		out = append(out, *it.Row)
	}
	return out
}

// rowAfter is a step's row once the provider answered, or the row to
// remove (gone) after a successful delete.
func rowAfter(t Target, s step, res dns.ChangeResult, now time.Time) (r model.DNSRecord, gone bool) {
	switch s.change.Action {
	case dns.Create:
		if res.Err == nil {
			return syncedRow(t, s.item, res.Record, now), false
		}
		// The row keeps awaiting its id: even a refusal may follow an
		// attempt whose answer was lost ("an identical record exists"),
		// and the next sync adopts what that attempt created.
		r = rowsBefore(t, []step{s}, now)[0]
		r.LastError = res.Err.Error()
		if refused(res.Err) {
			r.State = model.RecordError
		}
		return r, false
	case dns.Update:
		r = syncedRow(t, s.item, s.item.Current, now)
		if res.Err == nil {
			return syncedRow(t, s.item, res.Record, now), false
		}
		r.State, r.LastError = model.RecordError, res.Err.Error()
		return r, false
	default: // delete
		r = *s.item.Row
		if res.Err == nil {
			return r, true
		}
		r.State, r.LastError = model.RecordError, res.Err.Error()
		return r, false
	}
}

// refused reports whether a failed write certainly changed nothing: the
// provider answered and said no. Time-outs, lost answers and server errors
// may have been applied.
func refused(err error) bool {
	if dns.IsConflict(err) || errors.Is(err, dns.ErrNotOurs) {
		return true
	}
	var de *dns.Error
	return errors.As(err, &de) && !de.Transient && de.Status >= 400 && de.Status < 500
}

func syncedRow(t Target, it Item, rec dns.Record, now time.Time) model.DNSRecord {
	r := t.Row(it.Want.Record.Name, it.Want.Record.Type)
	r.Content, r.ProviderRecordID, r.State, r.LastSyncedAt = rec.Content, rec.ID, model.RecordSynced, &now
	r.ConsumerKind, r.ConsumerID = it.Want.Consumer.Kind, it.Want.Consumer.ID
	return r
}

// unchanged reports whether a stored row already says what r says.
func unchanged(row *model.DNSRecord, r model.DNSRecord) bool {
	return row != nil && row.ID != 0 && row.State == r.State && row.LastError == "" && row.Content == r.Content &&
		row.ProviderRecordID == r.ProviderRecordID && row.ConsumerKind == r.ConsumerKind && row.ConsumerID == r.ConsumerID &&
		row.PendingSince == nil
}

// afterResults is the listing with the successful changes applied: what
// the provider holds now, as far as this sync knows.
func afterResults(listed []dns.Record, results []dns.ChangeResult) []dns.Record {
	changed := make(map[string]*dns.ChangeResult, len(results))
	var created []dns.Record
	for i, res := range results {
		switch {
		case res.Err != nil:
		case res.Change.Action == dns.Create:
			created = append(created, res.Record.Normalize())
		case res.Change.Record.ID != "":
			changed[res.Change.Record.ID] = &results[i]
		}
	}
	out := make([]dns.Record, 0, len(listed)+len(created))
	for _, r := range listed {
		res := changed[r.ID]
		switch {
		case res == nil:
			out = append(out, r.Normalize())
		case res.Change.Action == dns.Update:
			out = append(out, res.Record.Normalize())
		}
		// a deleted record is left out
	}
	return append(out, created...)
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
				// An update carries the id of our record: the provider
				// updates that one and no other.
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
