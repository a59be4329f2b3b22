package reconcile

import (
	"sort"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/model"
)

// Action is what a sync does, or would do, with one record.
type Action string

// Actions of the report.
const (
	ActCreate      Action = "create"
	ActUpdate      Action = "update"
	ActDelete      Action = "delete"
	ActInSync      Action = "in_sync"
	ActConflict    Action = "conflict"
	ActOutsideZone Action = "outside_zone"
	ActError       Action = "error"
)

// Item is one decision of a plan.
type Item struct {
	Want    Want             // the record that should exist (zero for a delete of an unwanted record)
	Current dns.Record       // the provider's record concerned (not for creates)
	Row     *model.DNSRecord // our row of that name and type, if any
	Reason  string           // for conflicts
}

// Changes is a plan: what to do to bring the provider to the wanted state.
type Changes struct {
	Create    []Item
	Update    []Item
	Delete    []Item // ours, not wanted any more, or at a name that someone else holds
	InSync    []Item
	Conflicts []Item // a record that is not ours holds the name: reported only
	Forget    []Item // rows whose record is gone from the provider, or not ours any more
}

// Writes counts the provider writes the plan needs.
func (c Changes) Writes() int { return len(c.Create) + len(c.Update) + len(c.Delete) }

// adoptSkew allows for the provider's clock running behind ours: a record
// created this much before a row's PendingSince still counts as created
// after it.
const adoptSkew = time.Minute

// Plan compares the wanted records with the provider's records and our
// rows. A provider record is ours only when a row tracks its id (at the
// row's name and type) and it carries our marker; only ours are ever
// updated or deleted. Anything else at a wanted name, even a copy of our
// marker, is a conflict. Comparisons are normalised (case, trailing dot,
// automatic TTL of proxied records), so that planning the result of a plan
// finds nothing to do.
func Plan(want []Want, actual []dns.Record, rows []model.DNSRecord, marker string) Changes {
	o := newOwnership(actual, rows, marker)
	var c Changes
	wanted := map[string]bool{}
	for _, w := range want {
		w.Record.Owner = marker
		k := key(w.Record.Name, w.Record.Type)
		wanted[k] = true
		row := o.rowByKey[k]
		cur, mine := o.owned[k]
		if f := o.foreignAt(w.Record.Name, w.Record.Type); len(f) > 0 {
			c.Conflicts = append(c.Conflicts, Item{Want: w, Current: f[0], Row: row, Reason: conflictReason(f[0], marker)})
			switch {
			case mine: // the name is someone else's: ours steps back
				c.Delete = append(c.Delete, Item{Want: w, Current: cur, Row: row})
			case row != nil:
				c.Forget = append(c.Forget, Item{Want: w, Row: row})
			}
			continue
		}
		item := Item{Want: w, Current: cur, Row: row}
		switch {
		case !mine:
			item.Current = dns.Record{}
			c.Create = append(c.Create, item)
		case dns.SameData(cur, w.Record):
			c.InSync = append(c.InSync, item)
		default:
			c.Update = append(c.Update, item)
		}
	}
	keys := make([]string, 0, len(o.rowByKey))
	for k := range o.rowByKey {
		if !wanted[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if cur, mine := o.owned[k]; mine {
			c.Delete = append(c.Delete, Item{Current: cur, Row: o.rowByKey[k]})
		} else {
			c.Forget = append(c.Forget, Item{Row: o.rowByKey[k]})
		}
	}
	return c
}

// ownership says which provider record each row owns.
type ownership struct {
	byKey    map[string][]dns.Record // every record, normalised, by name and type
	rowByKey map[string]*model.DNSRecord
	owned    map[string]dns.Record // by the key of its row
	ours     map[string]bool       // ids of the owned records
}

func newOwnership(actual []dns.Record, rows []model.DNSRecord, marker string) ownership {
	o := ownership{byKey: map[string][]dns.Record{}, rowByKey: map[string]*model.DNSRecord{},
		owned: map[string]dns.Record{}, ours: map[string]bool{}}
	byID := make(map[string]dns.Record, len(actual))
	for _, r := range actual {
		r = r.Normalize()
		o.byKey[key(r.Name, r.Type)] = append(o.byKey[key(r.Name, r.Type)], r)
		byID[r.ID] = r
	}
	for i := range rows {
		row := &rows[i]
		k := key(row.FQDN, row.Type)
		o.rowByKey[k] = row
		if rec, ok := owns(*row, o.byKey[k], byID, marker); ok {
			o.owned[k], o.ours[rec.ID] = rec, true
		}
	}
	return o
}

// owns is the ownership rule: a row owns the record whose id it tracks,
// when that record still has the row's name and type and our marker.
// The one exception is crash recovery: a row whose create was sent but
// whose answer never came adopts, once, the oldest record of its name and
// type that carries our marker and was created after the create was sent.
func owns(row model.DNSRecord, atKey []dns.Record, byID map[string]dns.Record, marker string) (dns.Record, bool) {
	if row.ProviderRecordID != "" {
		r, ok := byID[row.ProviderRecordID]
		return r, ok && r.Name == row.FQDN && r.Type == row.Type && dns.IsOurs(r, marker)
	}
	if !row.AwaitsID() {
		return dns.Record{}, false
	}
	since := row.PendingSince.Add(-adoptSkew)
	var best dns.Record
	found := false
	for _, r := range atKey {
		if !dns.IsOurs(r, marker) || r.CreatedOn.IsZero() || r.CreatedOn.Before(since) {
			continue
		}
		if !found || r.CreatedOn.Before(best.CreatedOn) {
			best, found = r, true
		}
	}
	return best, found
}

// foreignAt lists the records that are not ours and hold a name for a
// record of type typ: for an address record, any A, AAAA or CNAME there
// (a name someone else serves is theirs for every address type), the one
// of type typ first.
func (o ownership) foreignAt(name, typ string) []dns.Record {
	types := []string{typ}
	if typ == "A" || typ == "AAAA" {
		types = append(types, "A", "AAAA", "CNAME")
	}
	var out []dns.Record
	seen := map[string]bool{}
	for _, t := range types {
		if seen[t] {
			continue
		}
		seen[t] = true
		for _, r := range o.byKey[key(name, t)] {
			if !o.ours[r.ID] {
				out = append(out, r)
			}
		}
	}
	return out
}

func conflictReason(f dns.Record, marker string) string {
	if dns.IsOurs(f, marker) {
		return "the " + f.Type + " record for " + f.Name + " carries this installation's marker, but Docker Watcher " +
			"did not create it (its id is not one we track); it is left as it is"
	}
	return (&dns.ConflictError{Name: f.Name, Type: f.Type, Owner: f.Owner}).Error()
}
