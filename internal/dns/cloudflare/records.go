package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v6"
	cfdns "github.com/cloudflare/cloudflare-go/v6/dns"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// fromCF converts Cloudflare's record to ours. A TXT record's content is
// read as its value: Cloudflare keeps the content as it was sent, quoted
// (as it asks, and as its dashboard saves it) or not (older API clients).
func fromCF(r cfdns.RecordResponse) dns.Record {
	content := r.Content
	if r.Type == cfdns.RecordResponseTypeTXT {
		content = dns.UnquoteTXT(content)
	}
	return dns.Record{
		ID: r.ID, Name: r.Name, Type: string(r.Type), Content: content,
		TTL: int(r.TTL), Proxied: r.Proxied, Owner: r.Comment, CreatedOn: r.CreatedOn,
	}.Normalize()
}

// recordBody is a record's create or overwrite body: the A, AAAA and TXT
// params serve as all three kinds.
type recordBody interface {
	cfdns.RecordNewParamsBodyUnion
	cfdns.RecordUpdateParamsBodyUnion
	cfdns.RecordBatchParamsPostUnion
}

// params builds the A or AAAA body of r, always with our marker.
func (p *Provider) params(r dns.Record) (a cfdns.ARecordParam, aaaa cfdns.AAAARecordParam) {
	ttl := cfTTL(r)
	if r.Type == "AAAA" {
		return a, cfdns.AAAARecordParam{
			Name: cloudflare.F(r.Name), Type: cloudflare.F(cfdns.AAAARecordTypeAAAA), Content: cloudflare.F(r.Content),
			TTL: cloudflare.F(ttl), Proxied: cloudflare.F(r.Proxied), Comment: cloudflare.F(p.opts.Marker),
		}
	}
	return cfdns.ARecordParam{
		Name: cloudflare.F(r.Name), Type: cloudflare.F(cfdns.ARecordTypeA), Content: cloudflare.F(r.Content),
		TTL: cloudflare.F(ttl), Proxied: cloudflare.F(r.Proxied), Comment: cloudflare.F(p.opts.Marker),
	}, aaaa
}

// txtParams builds the TXT body of r, with our marker. The value is sent
// as quoted strings of up to 255 bytes, the form Cloudflare's API asks
// for ("The content must consist of quoted character strings (RFC 1035),
// each with a length of up to 255 bytes"): it then stores what we send,
// unsplit and without the dashboard's warning about missing quotes.
func (p *Provider) txtParams(r dns.Record) cfdns.TXTRecordParam {
	return cfdns.TXTRecordParam{
		Name: cloudflare.F(r.Name), Type: cloudflare.F(cfdns.TXTRecordTypeTXT), Content: cloudflare.F(dns.QuoteTXT(r.Content)),
		TTL: cloudflare.F(cfTTL(r)), Proxied: cloudflare.F(false), Comment: cloudflare.F(p.opts.Marker),
	}
}

func cfTTL(r dns.Record) cfdns.TTL {
	if r.TTL == 0 || r.Proxied {
		return cfdns.TTL1
	}
	return cfdns.TTL(r.TTL)
}

func (p *Provider) body(r dns.Record) recordBody {
	if r.Type == "TXT" {
		return p.txtParams(r)
	}
	a, aaaa := p.params(r)
	if r.Type == "AAAA" {
		return aaaa
	}
	return a
}

func (p *Provider) checkWritable(r dns.Record) error {
	if p.opts.Marker == "" {
		return errors.New("cloudflare: no ownership marker configured; refusing to write")
	}
	if p.opts.ZoneID == "" {
		return errors.New("cloudflare: no zone configured")
	}
	if !dns.Writable(r.Type) {
		return fmt.Errorf("cloudflare: record type %q is not managed by Docker Watcher", r.Type)
	}
	if r.Type == "TXT" {
		return checkTXT(r)
	}
	return nil
}

// checkTXT refuses, before any call, the TXT records Cloudflare would
// refuse or that could not be told apart: without a value, or proxied
// (only A, AAAA and CNAME records can be).
func checkTXT(r dns.Record) error {
	switch {
	case r.Content == "":
		return fmt.Errorf("cloudflare: TXT %s: a TXT record needs a value", r.Name)
	case r.Proxied:
		return fmt.Errorf("cloudflare: TXT %s: TXT records cannot be proxied", r.Name)
	}
	return nil
}

// wrap turns an SDK error into a *dns.Error with Cloudflare's own words.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *dns.Error
	if errors.As(err, &de) {
		c := *de // from the middleware, named by its HTTP request
		c.Op = op
		return &c
	}
	var ae *cloudflare.Error
	if errors.As(err, &ae) {
		e := &dns.Error{Provider: "cloudflare", Op: op, Status: ae.StatusCode, Transient: dns.TransientStatus(ae.StatusCode), Err: err}
		msgs := ""
		for i, x := range ae.Errors {
			if i == 0 {
				e.Code = int(x.Code)
			} else {
				msgs += "; "
			}
			msgs += x.Message
		}
		if msgs == "" {
			msgs = fmt.Sprintf("HTTP %d", ae.StatusCode)
		}
		e.Message = msgs
		return e
	}
	return &dns.Error{Provider: "cloudflare", Op: op, Message: err.Error(), Transient: dns.IsTransient(err), Err: err}
}

func isNotFound(err error) bool {
	var de *dns.Error
	return errors.As(err, &de) && (de.Status == 404 || de.Code == 81044)
}

// pageInfo is the part of result_info the SDK does not decode.
type pageInfo struct {
	TotalPages int `json:"total_pages"`
}

// list returns every record matching the filters, paging by result_info
// (the SDK's auto-pager asks one empty page too many).
func (p *Provider) list(ctx context.Context, params cfdns.RecordListParams) ([]dns.Record, error) {
	if p.opts.ZoneID == "" {
		return nil, errors.New("cloudflare: no zone configured")
	}
	params.ZoneID = cloudflare.F(p.opts.ZoneID)
	params.PerPage = cloudflare.F(float64(p.opts.PageSize))
	var out []dns.Record
	for page := 1; ; page++ {
		params.Page = cloudflare.F(float64(page))
		res, err := p.records.List(ctx, params)
		if err != nil {
			return nil, wrap("list records", err)
		}
		for _, r := range res.Result {
			out = append(out, fromCF(r))
		}
		var info pageInfo
		json.Unmarshal([]byte(res.ResultInfo.JSON.RawJSON()), &info)
		if page >= info.TotalPages || len(res.Result) == 0 {
			return out, nil
		}
	}
}

// ListRecords returns every record of the zone.
func (p *Provider) ListRecords(ctx context.Context) ([]dns.Record, error) {
	return p.list(ctx, cfdns.RecordListParams{})
}

// byNameType lists the records of one name and type.
func (p *Provider) byNameType(ctx context.Context, name, typ string) ([]dns.Record, error) {
	return p.list(ctx, cfdns.RecordListParams{
		Name: cloudflare.F(cfdns.RecordListParamsName{Exact: cloudflare.F(name)}),
		Type: cloudflare.F(cfdns.RecordListParamsType(typ)),
	})
}

// EnsureRecord creates the record, or brings ours in line, leaving any
// record that is not ours alone. With r.ID set it updates that record and
// no other: the caller knows which record is its own.
func (p *Provider) EnsureRecord(ctx context.Context, r dns.Record) (dns.Record, error) {
	if r.ID != "" {
		return p.updateByID(ctx, r.Normalize())
	}
	got, err := p.ensure(ctx, r)
	var de *dns.Error
	if errors.As(err, &de) && de.Code == codeIdentical {
		// A concurrent ensure created the same record between our lookup
		// and our create: look again, once.
		return p.ensure(ctx, r)
	}
	return got, err
}

// codeIdentical is Cloudflare's "An identical record already exists."
const codeIdentical = 81058

func (p *Provider) ensure(ctx context.Context, r dns.Record) (dns.Record, error) {
	r = r.Normalize()
	if err := p.checkWritable(r); err != nil {
		return dns.Record{}, err
	}
	r.Owner = p.opts.Marker
	existing, err := p.byNameType(ctx, r.Name, r.Type)
	if err != nil {
		return dns.Record{}, err
	}
	var ours []dns.Record
	if r.Type == "TXT" {
		// One value among many at the name: only our records of that
		// value are looked at, and only a foreign one of that value is in
		// the way.
		var foreign []dns.Record
		ours, foreign = dns.SameTXT(existing, r, p.opts.Marker)
		if len(ours) == 0 && len(foreign) > 0 {
			return dns.Record{}, &dns.ConflictError{Name: r.Name, Type: r.Type, Owner: foreign[0].Owner}
		}
	} else {
		for _, e := range existing {
			if !dns.IsOurs(e, p.opts.Marker) {
				return dns.Record{}, &dns.ConflictError{Name: r.Name, Type: r.Type, Owner: e.Owner}
			}
			ours = append(ours, e)
		}
	}
	if len(ours) == 0 {
		res, err := p.records.New(ctx, cfdns.RecordNewParams{ZoneID: cloudflare.F(p.opts.ZoneID), Body: p.body(r)})
		if err != nil {
			return dns.Record{}, wrap("create "+r.Type+" "+r.Name, err)
		}
		return fromCF(*res), nil
	}
	// Keep one of ours, preferring one that is already right; remove the
	// duplicates (ours too) so the name answers with one address, or
	// with the TXT value once.
	keep := dns.Keep(ours, r)
	for i, o := range ours {
		if i != keep {
			if err := p.deleteByID(ctx, o); err != nil {
				return dns.Record{}, err
			}
		}
	}
	current := ours[keep]
	if dns.SameData(current, r) {
		return current, nil
	}
	res, err := p.records.Update(ctx, current.ID, cfdns.RecordUpdateParams{ZoneID: cloudflare.F(p.opts.ZoneID), Body: p.body(r)})
	if err != nil {
		return dns.Record{}, wrap("update "+r.Type+" "+r.Name, err)
	}
	return fromCF(*res), nil
}

// updateByID brings the record with r's id in line with r, after checking
// at Cloudflare that it still carries our marker, name and type.
func (p *Provider) updateByID(ctx context.Context, r dns.Record) (dns.Record, error) {
	if err := p.checkWritable(r); err != nil {
		return dns.Record{}, err
	}
	r.Owner = p.opts.Marker
	res, err := p.records.Get(ctx, r.ID, cfdns.RecordGetParams{ZoneID: cloudflare.F(p.opts.ZoneID)})
	if err != nil {
		return dns.Record{}, wrap("get record "+r.ID, err)
	}
	current := fromCF(*res)
	if !dns.IsOurs(current, p.opts.Marker) || current.Name != r.Name || current.Type != r.Type {
		return dns.Record{}, fmt.Errorf("update %s %s (id %s): %w", r.Type, r.Name, r.ID, dns.ErrNotOurs)
	}
	if dns.SameData(current, r) {
		return current, nil
	}
	res, err = p.records.Update(ctx, r.ID, cfdns.RecordUpdateParams{ZoneID: cloudflare.F(p.opts.ZoneID), Body: p.body(r)})
	if err != nil {
		return dns.Record{}, wrap("update "+r.Type+" "+r.Name, err)
	}
	return fromCF(*res), nil
}

// deleteByID deletes a record already known to be ours.
func (p *Provider) deleteByID(ctx context.Context, r dns.Record) error {
	_, err := p.records.Delete(ctx, r.ID, cfdns.RecordDeleteParams{ZoneID: cloudflare.F(p.opts.ZoneID)})
	if err != nil && !isNotFound(wrap("", err)) {
		return wrap("delete "+r.Type+" "+r.Name, err)
	}
	return nil
}

// DeleteRecord deletes our record by ID (checking the marker first), or
// every record of ours with that name and type (for TXT: name and value).
func (p *Provider) DeleteRecord(ctx context.Context, r dns.Record) error {
	r = r.Normalize()
	if p.opts.Marker == "" {
		return errors.New("cloudflare: no ownership marker configured; refusing to delete")
	}
	if r.Owner != "" && r.Owner != p.opts.Marker {
		return fmt.Errorf("delete %s %s: %w", r.Type, r.Name, dns.ErrNotOurs)
	}
	if r.ID == "" && r.Type == "TXT" {
		return p.deleteTXT(ctx, r)
	}
	if r.ID != "" {
		res, err := p.records.Get(ctx, r.ID, cfdns.RecordGetParams{ZoneID: cloudflare.F(p.opts.ZoneID)})
		if err != nil {
			if err := wrap("get record "+r.ID, err); isNotFound(err) {
				return nil
			} else {
				return err
			}
		}
		current := fromCF(*res)
		if !dns.IsOurs(current, p.opts.Marker) {
			return fmt.Errorf("delete %s %s (id %s): %w", current.Type, current.Name, r.ID, dns.ErrNotOurs)
		}
		return p.deleteByID(ctx, current)
	}
	existing, err := p.byNameType(ctx, r.Name, r.Type)
	if err != nil {
		return err
	}
	foreign := false
	deleted := 0
	for _, e := range existing {
		if !dns.IsOurs(e, p.opts.Marker) {
			foreign = true
			continue
		}
		if err := p.deleteByID(ctx, e); err != nil {
			return err
		}
		deleted++
	}
	if foreign && deleted == 0 {
		return fmt.Errorf("delete %s %s: %w", r.Type, r.Name, dns.ErrNotOurs)
	}
	return nil
}

// deleteTXT deletes our TXT records of r's name and value; those of other
// values at the name stay, ours or not.
func (p *Provider) deleteTXT(ctx context.Context, r dns.Record) error {
	if r.Content == "" {
		return fmt.Errorf("cloudflare: delete TXT %s: a TXT record is named by its value too; refusing to delete without one", r.Name)
	}
	existing, err := p.byNameType(ctx, r.Name, r.Type)
	if err != nil {
		return err
	}
	ours, foreign := dns.SameTXT(existing, r, p.opts.Marker)
	for _, o := range ours {
		if err := p.deleteByID(ctx, o); err != nil {
			return err
		}
	}
	if len(ours) == 0 && len(foreign) > 0 {
		return fmt.Errorf("delete TXT %s %q: %w", r.Name, r.Content, dns.ErrNotOurs)
	}
	return nil
}
