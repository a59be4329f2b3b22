package cfemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Record is a DNS record as the emulator stores it.
type Record struct {
	ID      string
	Type    string // A, AAAA, CNAME, TXT or MX
	Name    string // FQDN, lower case, punycode, no trailing dot
	Content string
	TTL     int // 1 means automatic
	Proxied bool
	// Priority is used by MX records only.
	Priority int
	// Comment is empty when the record has none (the API then shows null).
	Comment string
	Tags    []string

	CreatedOn         time.Time
	ModifiedOn        time.Time
	CommentModifiedOn time.Time // zero when there is no comment
	TagsModifiedOn    time.Time // zero when there are no tags
}

// supportedTypes are the record types the emulator accepts; Cloudflare
// accepts more, which Docker Watcher does not use.
var supportedTypes = []string{"A", "AAAA", "CNAME", "MX", "TXT"}

// AddRecord stores a record "by hand", as if someone had made it in the
// dashboard: this is how tests seed records Docker Watcher does not own.
// Name may be relative ("www", "@"); ID and timestamps are filled in. The
// record is validated like an API create, so the zone never holds a state
// Cloudflare would refuse.
//
// A non-zero rec.CreatedOn backdates the record, as one made before.
func (s *Server) AddRecord(zoneID string, rec Record) (Record, error) {
	in := recordInput{Type: &rec.Type, Name: &rec.Name, Content: &rec.Content, Proxied: &rec.Proxied}
	if rec.TTL != 0 {
		ttl := float64(rec.TTL)
		in.TTL = &ttl
	}
	if rec.Type == "MX" {
		p := float64(rec.Priority)
		in.Priority = &p
	}
	if rec.Comment != "" {
		in.Comment, _ = json.Marshal(rec.Comment)
	}
	if rec.Tags != nil {
		in.Tags = &rec.Tags
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(zoneID)
	if z == nil {
		return Record{}, fmt.Errorf("cfemu: no zone %s", zoneID)
	}
	created := s.now()
	if !rec.CreatedOn.IsZero() {
		created = rec.CreatedOn // a record made before the test
	}
	out, err := z.create(in, created)
	if err != nil {
		return Record{}, err
	}
	return out, nil
}

// DeleteRecord removes a record, as a user does in the dashboard.
func (s *Server) DeleteRecord(zoneID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(zoneID)
	if z == nil {
		return fmt.Errorf("cfemu: no zone %s", zoneID)
	}
	_, err := z.remove(id)
	return err
}

// Records returns a copy of a zone's records in creation order, nil for an
// unknown zone.
func (s *Server) Records(zoneID string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zone(zoneID)
	if z == nil {
		return nil
	}
	out := make([]Record, len(z.records))
	for i, r := range z.records {
		out[i] = r.clone()
	}
	return out
}

func (r Record) clone() Record {
	r.Tags = slices.Clone(r.Tags)
	return r
}

// recordInput is a request body for POST, PUT and PATCH, and an operation
// of a batch. Pointers tell "absent" from "zero"; Comment stays raw to tell
// an absent comment from an explicit null.
type recordInput struct {
	ID       string          `json:"id"`
	Type     *string         `json:"type"`
	Name     *string         `json:"name"`
	Content  *string         `json:"content"`
	TTL      *float64        `json:"ttl"`
	Proxied  *bool           `json:"proxied"`
	Priority *float64        `json:"priority"`
	Comment  json.RawMessage `json:"comment"`
	Tags     *[]string       `json:"tags"`
}

// readBody reads a request body; it is parsed with parseBody only after
// the caller is authorised, so that a bad token is reported before a bad
// body, as Cloudflare does.
func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 32<<20))
	if err != nil {
		return nil, errBadBody()
	}
	return data, nil
}

// withWriteBody reads the body, locks the server, finds the zone the token
// may write, parses the body into T (after the authorisation, as above) and
// runs fn with the lock held.
func withWriteBody[T any](s *Server, r *http.Request, t *token, fn func(z *zoneData, in T) (reply, error)) (reply, error) {
	body, err := readBody(r)
	if err != nil {
		return reply{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zoneFor(r, t, true)
	if err != nil {
		return reply{}, err
	}
	var in T
	if err := parseBody(body, &in); err != nil {
		return reply{}, err
	}
	return fn(z, in)
}

func parseBody(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return errBadBody()
	}
	return nil
}

// draft is a record being built from a request, before validation.
type draft struct {
	Record
	hasPriority bool
}

// apply builds the record the input asks for from old. full (POST and PUT)
// starts from the defaults, so PUT overwrites the record, while PATCH
// starts from old and changes only what is sent; type and name are then
// required.
func (in recordInput) apply(old Record, full bool) (draft, error) {
	d := draft{Record: old.clone(), hasPriority: old.Type == "MX"}
	if full {
		if in.Type == nil || *in.Type == "" {
			return d, errInvalid("DNS record type is required.")
		}
		if in.Name == nil || *in.Name == "" {
			return d, errInvalid("DNS record name is required.")
		}
		d = draft{Record: Record{ID: old.ID, CreatedOn: old.CreatedOn, TTL: 1}}
	}
	if in.Type != nil {
		d.Type = strings.ToUpper(strings.TrimSpace(*in.Type))
	}
	if in.Name != nil {
		d.Name = *in.Name
	}
	if in.Content != nil {
		d.Content = *in.Content
	}
	if in.TTL != nil {
		ttl := *in.TTL
		switch {
		case ttl != math.Trunc(ttl) || ttl < 0 || ttl > math.MaxInt32:
			d.TTL = -1 // refused by finish, which knows the plan's minimum
		default:
			d.TTL = max(int(ttl), 1) // 0 means automatic, like absent
		}
	}
	if in.Proxied != nil {
		d.Proxied = *in.Proxied
	}
	if in.Priority != nil {
		p := *in.Priority
		if p != math.Trunc(p) || p < 0 || p > 65535 {
			return d, errInvalid("Priority must be an integer between 0 and 65535.")
		}
		d.Priority, d.hasPriority = int(p), true
	}
	if len(in.Comment) > 0 {
		d.Comment = "" // null clears the comment, as does ""
		if !bytes.Equal(in.Comment, []byte("null")) {
			if err := json.Unmarshal(in.Comment, &d.Comment); err != nil {
				return d, errBadBody()
			}
		}
	}
	if in.Tags != nil {
		d.Tags = slices.Clone(*in.Tags)
	}
	return d, nil
}

// create, update and remove change the zone's records; on error nothing
// has changed. The batch endpoint runs them on a copy of the zone.

func (z *zoneData) create(in recordInput, now time.Time) (Record, error) {
	d, err := in.apply(Record{ID: newID()}, true)
	if err != nil {
		return Record{}, err
	}
	rec, err := z.finish(d, nil, now)
	if err != nil {
		return Record{}, err
	}
	z.records = append(z.records, rec)
	z.serial++
	return rec.clone(), nil
}

func (z *zoneData) update(id string, in recordInput, full bool, now time.Time) (Record, error) {
	i := z.index(id)
	if i < 0 {
		return Record{}, errRecordNotFound()
	}
	old := z.records[i]
	d, err := in.apply(old, full)
	if err != nil {
		return Record{}, err
	}
	rec, err := z.finish(d, &old, now)
	if err != nil {
		return Record{}, err
	}
	z.records[i] = rec
	z.serial++
	return rec.clone(), nil
}

func (z *zoneData) remove(id string) (Record, error) {
	i := z.index(id)
	if i < 0 {
		return Record{}, errRecordNotFound()
	}
	rec := z.records[i]
	z.records = slices.Delete(z.records, i, i+1)
	z.serial++
	return rec, nil
}

func (z *zoneData) index(id string) int {
	return slices.IndexFunc(z.records, func(r Record) bool { return r.ID == id })
}

// recordJSON is the wire form, field for field as Cloudflare answers today
// (a 2025 list answer quoted in a public write-up reads: id, name, type,
// content, proxiable, proxied, ttl, settings {}, meta {}, comment null,
// tags [], created_on, modified_on). zone_id and zone_name are gone from
// current answers and from the API schema, so they are not sent.
type recordJSON struct {
	ID                string         `json:"id"`
	Name              string         `json:"name"`
	Type              string         `json:"type"`
	Content           string         `json:"content"`
	Priority          *int           `json:"priority,omitempty"`
	Proxiable         bool           `json:"proxiable"`
	Proxied           bool           `json:"proxied"`
	TTL               int            `json:"ttl"`
	Settings          map[string]any `json:"settings"`
	Meta              map[string]any `json:"meta"`
	Comment           *string        `json:"comment"`
	Tags              []string       `json:"tags"`
	CreatedOn         string         `json:"created_on"`
	ModifiedOn        string         `json:"modified_on"`
	CommentModifiedOn string         `json:"comment_modified_on,omitempty"`
	TagsModifiedOn    string         `json:"tags_modified_on,omitempty"`
}

func toJSON(r Record) recordJSON {
	j := recordJSON{
		ID: r.ID, Name: r.Name, Type: r.Type, Content: r.Content,
		Proxiable: proxiable(r), Proxied: r.Proxied, TTL: r.TTL,
		Settings: map[string]any{}, Meta: map[string]any{},
		Tags:      append([]string{}, r.Tags...),
		CreatedOn: timestamp(r.CreatedOn), ModifiedOn: timestamp(r.ModifiedOn),
	}
	if r.Type == "CNAME" {
		j.Settings["flatten_cname"] = false
	}
	if r.Type == "MX" {
		p := r.Priority
		j.Priority = &p
	}
	if r.Comment != "" {
		c := r.Comment
		j.Comment = &c
		j.CommentModifiedOn = timestamp(r.CommentModifiedOn)
	}
	if len(r.Tags) > 0 {
		j.TagsModifiedOn = timestamp(r.TagsModifiedOn)
	}
	return j
}

// Handlers.

func (s *Server) createRecord(r *http.Request, t *token) (reply, error) {
	return withWriteBody(s, r, t, func(z *zoneData, in recordInput) (reply, error) {
		rec, err := z.create(in, s.now())
		if err != nil {
			return reply{}, err
		}
		return reply{result: toJSON(rec)}, nil
	})
}

func (s *Server) getRecord(r *http.Request, t *token) (reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zoneFor(r, t, false)
	if err != nil {
		return reply{}, err
	}
	i := z.index(r.PathValue("dns_record_id"))
	if i < 0 {
		return reply{}, errRecordNotFound()
	}
	return reply{result: toJSON(z.records[i])}, nil
}

func (s *Server) putRecord(r *http.Request, t *token) (reply, error) {
	return s.updateRecord(r, t, true)
}

func (s *Server) patchRecord(r *http.Request, t *token) (reply, error) {
	return s.updateRecord(r, t, false)
}

func (s *Server) updateRecord(r *http.Request, t *token, full bool) (reply, error) {
	return withWriteBody(s, r, t, func(z *zoneData, in recordInput) (reply, error) {
		rec, err := z.update(r.PathValue("dns_record_id"), in, full, s.now())
		if err != nil {
			return reply{}, err
		}
		return reply{result: toJSON(rec)}, nil
	})
}

// deleteRecord answers {"id": ...}, as the API schema says.
func (s *Server) deleteRecord(r *http.Request, t *token) (reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, err := s.zoneFor(r, t, true)
	if err != nil {
		return reply{}, err
	}
	rec, err := z.remove(r.PathValue("dns_record_id"))
	if err != nil {
		return reply{}, err
	}
	return reply{result: map[string]string{"id": rec.ID}}, nil
}
