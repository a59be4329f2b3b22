package cfemu

import (
	"fmt"
	"net/http"
	"slices"
)

// batchRequest is the body of POST /zones/{zone_id}/dns_records/batch.
type batchRequest struct {
	Deletes []struct {
		ID string `json:"id"`
	} `json:"deletes"`
	Patches []recordInput `json:"patches"`
	Puts    []recordInput `json:"puts"`
	Posts   []recordInput `json:"posts"`
}

type batchResult struct {
	Deletes []recordJSON `json:"deletes"`
	Patches []recordJSON `json:"patches"`
	Puts    []recordJSON `json:"puts"`
	Posts   []recordJSON `json:"posts"`
}

// batchRecords implements the batch endpoint as documented
// (developers.cloudflare.com/dns/manage-dns-records/how-to/batch-record-
// changes): operations run in the order deletes, patches, puts, posts, each
// list in the order given, in one transaction; "if any of the individual
// action fails, no changes are applied and the API returns the first error
// it encountered". The number of operations is limited per plan (200 on
// Free, 3,500 on paid plans).
//
// The failing operation is named by source.pointer ("/posts/2"), the field
// Cloudflare's error objects carry for this; that Cloudflare fills it for
// batch errors is not verified.
func (s *Server) batchRecords(r *http.Request, t *token) (reply, error) {
	return withWriteBody(s, r, t, s.applyBatch)
}

// applyBatch runs a parsed batch on z; the caller holds s.mu.
func (s *Server) applyBatch(z *zoneData, req batchRequest) (reply, error) {
	ops := len(req.Deletes) + len(req.Patches) + len(req.Puts) + len(req.Posts)
	if limit := plans[z.Plan].batchMax; ops > limit {
		// Code and message not verified; the limit is documented.
		return reply{}, errInvalid(fmt.Sprintf(
			"Batch holds %d operations; at most %d are allowed on the %s plan.", ops, limit, z.Plan))
	}

	// Work on a copy; it replaces the zone's records only if every
	// operation succeeds.
	work := &zoneData{Zone: z.Zone, records: slices.Clone(z.records), serial: z.serial}
	now := s.now()
	res := batchResult{Deletes: []recordJSON{}, Patches: []recordJSON{}, Puts: []recordJSON{}, Posts: []recordJSON{}}
	fail := func(err error, list string, i int) (reply, error) {
		if ae, ok := err.(*apiError); ok {
			return reply{}, ae.withPointer(fmt.Sprintf("/%s/%d", list, i))
		}
		return reply{}, err
	}
	for i, d := range req.Deletes {
		rec, err := work.remove(d.ID)
		if err != nil {
			return fail(err, "deletes", i)
		}
		res.Deletes = append(res.Deletes, toJSON(rec))
	}
	for i, in := range req.Patches {
		rec, err := work.update(in.ID, in, false, now)
		if err != nil {
			return fail(err, "patches", i)
		}
		res.Patches = append(res.Patches, toJSON(rec))
	}
	for i, in := range req.Puts {
		rec, err := work.update(in.ID, in, true, now)
		if err != nil {
			return fail(err, "puts", i)
		}
		res.Puts = append(res.Puts, toJSON(rec))
	}
	for i, in := range req.Posts {
		rec, err := work.create(in, now)
		if err != nil {
			return fail(err, "posts", i)
		}
		res.Posts = append(res.Posts, toJSON(rec))
	}
	z.records, z.serial = work.records, work.serial
	return reply{result: res}, nil
}
