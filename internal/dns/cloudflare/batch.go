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
// An update or delete is sent only for a record that this provider has
// itself seen carrying our marker (in its last listing or its own writes);
// an unknown id is checked with one listing first.
func (p *Provider) ApplyBatch(ctx context.Context, changes []dns.Change) ([]dns.ChangeResult, error) {
	results := make([]dns.ChangeResult, len(changes))
	var pending []int // indexes of changes to send
	needList := false
	for i, c := range changes {
		c.Record = c.Record.Normalize()
		results[i].Change = c
		if c.Action == dns.Create {
			if err := p.checkWritable(c.Record); err != nil {
				results[i].Err = err
				continue
			}
		}
		if c.Action != dns.Create {
			if _, ok := p.seenOwner(c.Record.ID); !ok {
				needList = true
			}
		}
		pending = append(pending, i)
	}
	if p.opts.Marker == "" {
		return nil, errors.New("cloudflare: no ownership marker configured; refusing to write")
	}
	if needList {
		if _, err := p.ListRecords(ctx); err != nil {
			return nil, err
		}
	}
	send := pending[:0]
	for _, i := range pending {
		c := results[i].Change
		if c.Action != dns.Create {
			owner, ok := p.seenOwner(c.Record.ID)
			switch {
			case !ok && c.Action == dns.Delete:
				continue // already gone: deleting it is done
			case !ok:
				results[i].Err = &dns.Error{Provider: "cloudflare", Op: "update " + c.Record.Type + " " + c.Record.Name, Status: 404, Code: 81044, Message: "Record does not exist."}
				continue
			case owner != p.opts.Marker:
				results[i].Err = fmt.Errorf("%s %s %s: %w", c.Action, c.Record.Type, c.Record.Name, dns.ErrNotOurs)
				continue
			}
		}
		send = append(send, i)
	}
	// Cloudflare's own order inside a chunk: deletes, puts, posts. Keep
	// it across chunks too, so a name freed by a delete can be reused.
	order := map[dns.Action]int{dns.Delete: 0, dns.Update: 1, dns.Create: 2}
	sorted := make([]int, len(send))
	copy(sorted, send)
	slices.SortStableFunc(sorted, func(a, b int) int {
		return order[results[a].Change.Action] - order[results[b].Change.Action]
	})
	for start := 0; start < len(sorted); start += p.opts.BatchSize {
		chunk := sorted[start:min(start+p.opts.BatchSize, len(sorted))]
		if err := p.sendChunk(ctx, chunk, results); err != nil {
			return results, err
		}
	}
	return results, nil
}

func (p *Provider) seenOwner(id string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.seen[id]
	return o, ok
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
				if c.Record.Type == "AAAA" {
					puts = append(puts, cfdns.BatchPutAAAARecordParam{ID: cloudflare.F(c.Record.ID), AAAARecordParam: aaaa})
				} else {
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
			for _, i := range delIdx {
				p.forget(results[i].Change.Record.ID)
			}
			for k, r := range res.Puts {
				if k < len(putIdx) {
					results[putIdx[k]].Record = fromCF(r)
					p.remember(results[putIdx[k]].Record)
				}
			}
			for k, r := range res.Posts {
				if k < len(postIdx) {
					results[postIdx[k]].Record = fromCF(r)
					p.remember(results[postIdx[k]].Record)
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
