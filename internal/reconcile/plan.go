package reconcile

import (
	"sort"

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
	Want    Want             // the record that should exist (not for deletes)
	Current dns.Record       // the provider's record concerned (not for creates)
	Row     *model.DNSRecord // our row of that name and type, if any
	Reason  string           // for conflicts
}

// Changes is a plan: what to do to bring the provider to the wanted state.
type Changes struct {
	Create    []Item
	Update    []Item
	Delete    []Item // ours, not wanted any more (or duplicates of ours)
	InSync    []Item
	Conflicts []Item // a record that is not ours holds the name: reported only
	Forget    []Item // rows whose record is gone from the provider, or not ours any more
}

// Writes counts the provider writes the plan needs.
func (c Changes) Writes() int { return len(c.Create) + len(c.Update) + len(c.Delete) }

// Plan compares the wanted records with the provider's records and our
// rows. A provider record is ours only when a row tracks its name and type
// and it carries our marker; only ours are ever updated or deleted.
// Comparisons are normalised (case, trailing dot, automatic TTL of proxied
// records), so that planning the result of a plan finds nothing to do.
func Plan(want []Want, actual []dns.Record, rows []model.DNSRecord, marker string) Changes {
	byKey := map[string][]dns.Record{}
	for _, r := range actual {
		r = r.Normalize()
		k := key(r.Name, r.Type)
		byKey[k] = append(byKey[k], r)
	}
	rowByKey := map[string]*model.DNSRecord{}
	for i := range rows {
		rowByKey[key(rows[i].FQDN, rows[i].Type)] = &rows[i]
	}
	split := func(k string) (ours, foreign []dns.Record) {
		for _, r := range byKey[k] {
			if rowByKey[k] != nil && dns.IsOurs(r, marker) {
				ours = append(ours, r)
			} else {
				foreign = append(foreign, r)
			}
		}
		return ours, foreign
	}
	// A CNAME holds its whole name: no A or AAAA record may stand beside
	// it, so one there is a conflict for both types.
	cnameAt := func(name string) []dns.Record { return byKey[key(name, "CNAME")] }

	var c Changes
	wanted := map[string]bool{}
	for _, w := range want {
		w.Record.Owner = marker
		k := key(w.Record.Name, w.Record.Type)
		wanted[k] = true
		row := rowByKey[k]
		ours, foreign := split(k)
		if w.Record.Type == "A" || w.Record.Type == "AAAA" {
			foreign = append(foreign, cnameAt(w.Record.Name)...)
		}
		if len(foreign) > 0 {
			f := foreign[0]
			reason := (&dns.ConflictError{Name: f.Name, Type: f.Type, Owner: f.Owner}).Error()
			if dns.IsOurs(f, marker) {
				reason = "the " + f.Type + " record for " + f.Name + " carries this installation's marker but is not tracked; it is left as it is"
			}
			c.Conflicts = append(c.Conflicts, Item{Want: w, Current: f, Row: row, Reason: reason})
			if row != nil && len(ours) == 0 {
				c.Forget = append(c.Forget, Item{Want: w, Row: row}) // it is not ours any more
			}
			continue
		}
		if len(ours) == 0 {
			c.Create = append(c.Create, Item{Want: w, Row: row})
			continue
		}
		keep := 0
		for i, o := range ours {
			if dns.SameData(o, w.Record) {
				keep = i
				break
			}
		}
		for i, o := range ours {
			if i != keep {
				c.Delete = append(c.Delete, Item{Current: o, Row: row})
			}
		}
		item := Item{Want: w, Current: ours[keep], Row: row}
		if dns.SameData(ours[keep], w.Record) {
			c.InSync = append(c.InSync, item)
		} else {
			c.Update = append(c.Update, item)
		}
	}
	keys := make([]string, 0, len(rowByKey))
	for k := range rowByKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if wanted[k] {
			continue
		}
		row := rowByKey[k]
		ours, _ := split(k)
		if len(ours) == 0 {
			c.Forget = append(c.Forget, Item{Row: row})
			continue
		}
		for _, o := range ours {
			c.Delete = append(c.Delete, Item{Current: o, Row: row})
		}
	}
	return c
}
