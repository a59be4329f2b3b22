package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudflare/cloudflare-go/v6"
	cfdns "github.com/cloudflare/cloudflare-go/v6/dns"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// ApplyBatch applies changes through Cloudflare's batch endpoint, in chunks
// of BatchSize operations. Cloudflare runs a chunk's deletes, then puts,
// then posts, all or nothing. When a chunk is rolled back, the operation
// that failed gets Cloudflare's message, and the rest of the chunk is sent
// again without it.
//
// Updates and deletes are checked against Cloudflare first, with one
// listing of the records that carry our marker: a record someone took over
// by changing its comment since it was listed is refused, not overwritten.
func (p *Provider) ApplyBatch(ctx context.Context, changes []dns.Change) ([]dns.ChangeResult, error) {
	return p.applyBatch(ctx, changes, nil)
}

// ApplyBatchListed is ApplyBatch checking ownership against listed, a
// listing the caller has just made, instead of listing again.
func (p *Provider) ApplyBatchListed(ctx context.Context, changes []dns.Change, listed []dns.Record) ([]dns.ChangeResult, error) {
	if listed == nil {
		listed = []dns.Record{}
	}
	return p.applyBatch(ctx, changes, listed)
}

func (p *Provider) applyBatch(ctx context.Context, changes []dns.Change, listed []dns.Record) ([]dns.ChangeResult, error) {
	if p.opts.Marker == "" {
		return nil, errors.New("cloudflare: no ownership marker configured; refusing to write")
	}
	results := make([]dns.ChangeResult, len(changes))
	verify := false
	for i, c := range changes {
		c.Record = c.Record.Normalize()
		results[i].Change = c
		verify = verify || c.Action != dns.Create
	}
	var ours map[string]bool
	if verify {
		if listed == nil {
			var err error
			listed, err = p.list(ctx, cfdns.RecordListParams{
				Comment: cloudflare.F(cfdns.RecordListParamsComment{Exact: cloudflare.F(p.opts.Marker)}),
			})
			if err != nil {
				return nil, err
			}
		}
		ours = make(map[string]bool, len(listed))
		for _, r := range listed {
			ours[r.ID] = dns.IsOurs(r, p.opts.Marker) // the filter ignores case; we do not
		}
	}
	var send []int
	for i, res := range results {
		c := res.Change
		switch {
		case c.Action == dns.Create:
			if err := p.checkWritable(c.Record); err != nil {
				results[i].Err = err
				continue
			}
		case c.Record.Owner != "" && c.Record.Owner != p.opts.Marker, !ours[c.Record.ID]:
			results[i].Err = fmt.Errorf("%s %s %s (id %s): %w", c.Action, c.Record.Type, c.Record.Name, c.Record.ID, dns.ErrNotOurs)
			continue
		case c.Action == dns.Update && c.Record.Type == "TXT":
			if err := checkTXT(c.Record); err != nil {
				results[i].Err = err
				continue
			}
		}
		send = append(send, i)
	}
	// Cloudflare's own order inside a chunk: deletes, puts, posts. Keep
	// it across chunks too, so a name freed by a delete can be reused.
	order := map[dns.Action]int{dns.Delete: 0, dns.Update: 1, dns.Create: 2}
	slices.SortStableFunc(send, func(a, b int) int {
		return order[results[a].Change.Action] - order[results[b].Change.Action]
	})
	for start := 0; start < len(send); start += p.opts.BatchSize {
		chunk := send[start:min(start+p.opts.BatchSize, len(send))]
		if err := p.sendChunk(ctx, chunk, results); err != nil {
			return results, err
		}
	}
	return results, nil
}

// sendChunk sends one batch call, and on a rollback that names the failed
// operation, up to three more without the failed ones. It returns an error
// only when ctx ended.
func (p *Provider) sendChunk(ctx context.Context, chunk []int, results []dns.ChangeResult) error {
	for try := 0; len(chunk) > 0; try++ {
		var params cfdns.RecordBatchParams
		params.ZoneID = cloudflare.F(p.opts.ZoneID)
		var dels []cfdns.RecordBatchParamsDelete
		var puts []cfdns.BatchPutUnionParam
		var posts []cfdns.RecordBatchParamsPostUnion
		var delIdx, putIdx, postIdx []int
		for _, i := range chunk {
			c := results[i].Change
			switch c.Action {
			case dns.Delete:
				dels = append(dels, cfdns.RecordBatchParamsDelete{ID: cloudflare.F(c.Record.ID)})
				delIdx = append(delIdx, i)
			case dns.Update:
				a, aaaa := p.params(c.Record)
				switch c.Record.Type {
				case "TXT":
					puts = append(puts, cfdns.BatchPutTXTRecordParam{ID: cloudflare.F(c.Record.ID), TXTRecordParam: p.txtParams(c.Record)})
				case "AAAA":
					puts = append(puts, cfdns.BatchPutAAAARecordParam{ID: cloudflare.F(c.Record.ID), AAAARecordParam: aaaa})
				default:
					puts = append(puts, cfdns.BatchPutARecordParam{ID: cloudflare.F(c.Record.ID), ARecordParam: a})
				}
				putIdx = append(putIdx, i)
			case dns.Create:
				posts = append(posts, p.body(c.Record))
				postIdx = append(postIdx, i)
			}
		}
		if len(dels) > 0 {
			params.Deletes = cloudflare.F(dels)
		}
		if len(puts) > 0 {
			params.Puts = cloudflare.F(puts)
		}
		if len(posts) > 0 {
			params.Posts = cloudflare.F(posts)
		}
		res, err := p.records.Batch(ctx, params)
		if err == nil {
			for k, r := range res.Puts {
				if k < len(putIdx) {
					results[putIdx[k]].Record = fromCF(r)
				}
			}
			for k, r := range res.Posts {
				if k < len(postIdx) {
					results[postIdx[k]].Record = fromCF(r)
				}
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		werr := wrap(fmt.Sprintf("batch of %d changes", len(chunk)), err)
		failed := failedOp(err, delIdx, putIdx, postIdx)
		if failed < 0 || try >= 3 {
			for _, i := range chunk {
				results[i].Err = werr
			}
			return nil
		}
		results[failed].Err = werr
		rest := chunk[:0:0]
		for _, i := range chunk {
			if i != failed {
				rest = append(rest, i)
			}
		}
		chunk = rest
	}
	return nil
}

// failedOp finds the change a rolled-back batch names in its error's
// source pointer ("/posts/2"), or -1.
func failedOp(err error, dels, puts, posts []int) int {
	var ae *cloudflare.Error
	if !errors.As(err, &ae) {
		return -1
	}
	for _, e := range ae.Errors {
		parts := strings.Split(strings.Trim(e.Source.Pointer, "/"), "/")
		if len(parts) < 2 {
			continue
		}
		n, convErr := strconv.Atoi(parts[1])
		if convErr != nil || n < 0 {
			continue
		}
		var idx []int
		switch parts[0] {
		case "deletes":
			idx = dels
		case "puts":
			idx = puts
		case "posts":
			idx = posts
		}
		if n < len(idx) {
			return idx[n]
		}
	}
	return -1
}
