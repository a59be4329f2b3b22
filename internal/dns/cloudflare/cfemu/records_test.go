package cfemu

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCreateRecordValidation(t *testing.T) {
	long := strings.Repeat("x", 101)
	tests := []struct {
		name      string
		plan      string
		body      any
		wantCode  int
		wantChain int
	}{
		{"A with a name", "", map[string]any{"type": "A", "name": "www", "content": "www.example.net"}, 9005, 0},
		{"A with IPv6", "", map[string]any{"type": "A", "name": "www", "content": "2001:db8::1"}, 9005, 0},
		{"A out of range", "", map[string]any{"type": "A", "name": "www", "content": "198.51.100.256"}, 9005, 0},
		{"A without content", "", map[string]any{"type": "A", "name": "www"}, 9005, 0},
		{"AAAA with IPv4", "", map[string]any{"type": "AAAA", "name": "www", "content": "198.51.100.1"}, 9006, 0},
		{"unsupported type", "", map[string]any{"type": "SRV", "name": "www", "content": "x"}, 1004, 0},
		{"no type", "", map[string]any{"name": "www", "content": "198.51.100.1"}, 1004, 0},
		{"no name", "", map[string]any{"type": "A", "content": "198.51.100.1"}, 1004, 0},
		{"bad name", "", map[string]any{"type": "A", "name": "a b", "content": "198.51.100.1"}, 1004, 0},
		{"TTL below 60", "", map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "ttl": 59}, 1004, 9021},
		{"TTL 30 off Enterprise", "business", map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "ttl": 30}, 1004, 9021},
		{"TTL above a day", "", map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "ttl": 86401}, 1004, 9021},
		{"TTL not whole", "", map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "ttl": 120.5}, 1004, 9021},
		{"TTL 2", "", map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "ttl": 2}, 1004, 9021},
		{"proxied TXT", "", map[string]any{"type": "TXT", "name": "www", "content": "hi", "proxied": true}, 1004, 9004},
		{"proxied MX", "", map[string]any{"type": "MX", "name": "@", "content": "mx.example.net", "priority": 10, "proxied": true}, 1004, 9004},
		{"proxied private address", "", map[string]any{"type": "A", "name": "www", "content": "10.1.2.3", "proxied": true}, 1004, 9041},
		{"proxied loopback", "", map[string]any{"type": "AAAA", "name": "www", "content": "::1", "proxied": true}, 1004, 9041},
		{"CNAME to an address", "", map[string]any{"type": "CNAME", "name": "www", "content": "1.1.1.1"}, 1004, 0},
		{"CNAME to itself", "", map[string]any{"type": "CNAME", "name": "www", "content": "www.example.com"}, 1004, 0},
		{"MX without priority", "", map[string]any{"type": "MX", "name": "@", "content": "mx.example.net"}, 1004, 0},
		{"MX priority out of range", "", map[string]any{"type": "MX", "name": "@", "content": "mx.example.net", "priority": 70000}, 1004, 0},
		{"empty TXT", "", map[string]any{"type": "TXT", "name": "www", "content": ""}, 1004, 0},
		{"comment of 101 on Free", "", map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "comment": long}, 9313, 0},
		{"comment of 501 on Pro", "pro", map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "comment": strings.Repeat("x", 501)}, 9313, 0},
		{"comment with a newline", "", map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "comment": "a\nb"}, 1004, 0},
		{"tag without value separator", "", map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "tags": []string{"owner"}}, 1004, 0},
		{"body not JSON", "", "{not json", 9207, 0},
		{"body of the wrong shape", "", `{"type": 5}`, 9207, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{Plan: tt.plan})
			res := f.call("POST", f.recordsPath(), editToken, tt.body)
			wantError(t, res, 400, tt.wantCode)
			if got := chainCode(res); got != tt.wantChain {
				t.Errorf("error_chain code = %d, want %d (%+v)", got, tt.wantChain, res.Errors)
			}
			if n := len(f.srv.Records(f.zone.ID)); n != 0 {
				t.Errorf("a refused create stored %d records", n)
			}
		})
	}
}

func TestCommentLimitMessages(t *testing.T) {
	f := newFixture(t, Options{})
	res := f.call("POST", f.recordsPath(), editToken, map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "comment": strings.Repeat("é", 101)})
	wantError(t, res, 400, 9313)
	if res.Errors[0].Message != "DNS record comment exceeds the maximum length of 100 characters." {
		t.Errorf("message = %q", res.Errors[0].Message)
	}
	// 100 characters (not bytes) fit on Free; 500 on Pro.
	f.create(map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "comment": strings.Repeat("é", 100)})
	if err := f.srv.SetPlan(f.zone.ID, "pro"); err != nil {
		t.Fatal(err)
	}
	f.create(map[string]any{"type": "A", "name": "api", "content": "198.51.100.1", "comment": strings.Repeat("x", 500)})
	res = f.call("POST", f.recordsPath(), editToken, map[string]any{"type": "A", "name": "x", "content": "198.51.100.1", "comment": strings.Repeat("x", 501)})
	if res.Status != 400 || res.Errors[0].Message != "DNS record comment exceeds the maximum length of 500 characters." {
		t.Errorf("501 on Pro: %d %+v", res.Status, res.Errors)
	}
}

func TestCreateRecordShape(t *testing.T) {
	before := time.Now().UTC()
	f := newFixture(t, Options{})
	res := f.ok("POST", f.recordsPath(), editToken, map[string]any{"type": "A", "name": "www", "content": "198.51.100.7"})

	var raw map[string]json.RawMessage
	if err := json.Unmarshal(res.Result, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "name", "type", "content", "proxiable", "proxied", "ttl", "settings", "meta", "comment", "tags", "created_on", "modified_on"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("record lacks %q: %s", k, res.Result)
		}
	}
	for _, k := range []string{"zone_id", "zone_name", "priority", "comment_modified_on"} {
		if _, ok := raw[k]; ok {
			t.Errorf("record has %q: %s", k, res.Result)
		}
	}
	if string(raw["comment"]) != "null" || string(raw["tags"]) != "[]" || string(raw["settings"]) != "{}" || string(raw["meta"]) != "{}" {
		t.Errorf("defaults: comment %s tags %s settings %s meta %s", raw["comment"], raw["tags"], raw["settings"], raw["meta"])
	}

	rec := decode[recordJSON](t, res.Result)
	if !isID(rec.ID) || rec.Name != "www.example.com" || rec.Type != "A" || rec.Content != "198.51.100.7" ||
		rec.TTL != 1 || rec.Proxied || !rec.Proxiable {
		t.Errorf("record = %+v", rec)
	}
	created, err := time.Parse(time.RFC3339Nano, rec.CreatedOn)
	if err != nil || created.Before(before.Truncate(time.Microsecond)) || rec.ModifiedOn != rec.CreatedOn {
		t.Errorf("created_on %q modified_on %q: %v", rec.CreatedOn, rec.ModifiedOn, err)
	}

	cname := f.create(map[string]any{"type": "CNAME", "name": "blog", "content": "Host.Example.NET."})
	if cname.Content != "host.example.net" || cname.Settings["flatten_cname"] != false || !cname.Proxiable {
		t.Errorf("CNAME = %+v", cname)
	}
	mx := decode[map[string]any](t, f.ok("POST", f.recordsPath(), editToken, map[string]any{"type": "MX", "name": "@", "content": "mx.example.net", "priority": 10}).Result)
	if mx["priority"] != 10.0 || mx["proxiable"] != false {
		t.Errorf("MX = %v", mx)
	}
	c := f.create(map[string]any{"type": "TXT", "name": "_dw", "content": "x", "comment": "dw:owned", "tags": []string{"owner:dw"}})
	if c.Comment == nil || *c.Comment != "dw:owned" || c.CommentModifiedOn == "" || len(c.Tags) != 1 || c.TagsModifiedOn == "" {
		t.Errorf("comment and tags = %+v", c)
	}
}

func TestRecordNames(t *testing.T) {
	tests := []struct{ in, want string }{
		{"www", "www.example.com"},
		{"@", "example.com"},
		{"example.com", "example.com"},
		{"WWW.Example.COM.", "www.example.com"},
		{"a.b.example.com", "a.b.example.com"},
		{"*", "*.example.com"},
		{"_acme-challenge", "_acme-challenge.example.com"},
		{"mail.other.org", "mail.other.org.example.com"}, // outside the zone: relative, as Cloudflare treats it
		{"bücher", "xn--bcher-kva.example.com"},
	}
	f := newFixture(t, Options{})
	for _, tt := range tests {
		rec := f.create(map[string]any{"type": "TXT", "name": tt.in, "content": "name " + tt.in})
		if rec.Name != tt.want {
			t.Errorf("name %q stored as %q, want %q", tt.in, rec.Name, tt.want)
		}
	}
	aaaa := f.create(map[string]any{"type": "AAAA", "name": "v6", "content": "2001:DB8:0:0:0:0:0:1"})
	if aaaa.Content != "2001:db8::1" {
		t.Errorf("AAAA content = %q, want the canonical 2001:db8::1", aaaa.Content)
	}
}

func TestTTLAndProxied(t *testing.T) {
	f := newFixture(t, Options{})
	p := f.create(map[string]any{"type": "A", "name": "p", "content": "198.51.100.1", "proxied": true, "ttl": 300})
	if !p.Proxied || p.TTL != 1 {
		t.Errorf("proxied record: proxied %v ttl %d, want true 1", p.Proxied, p.TTL)
	}
	d := f.create(map[string]any{"type": "A", "name": "d", "content": "198.51.100.1", "ttl": 300})
	if d.Proxied || d.TTL != 300 {
		t.Errorf("DNS-only record: proxied %v ttl %d", d.Proxied, d.TTL)
	}
	for _, ttl := range []int{1, 60, 86400} {
		f.create(map[string]any{"type": "TXT", "name": "t", "content": "ttl " + strconv.Itoa(ttl), "ttl": ttl})
	}
	if zero := f.create(map[string]any{"type": "TXT", "name": "zero", "content": "z", "ttl": 0}); zero.TTL != 1 {
		t.Errorf("ttl 0 stored as %d, want 1 (automatic)", zero.TTL)
	}
	local := f.create(map[string]any{"type": "A", "name": "local", "content": "127.0.0.8"})
	if local.Proxiable {
		t.Error("a loopback record is proxiable")
	}
	// Turning proxy on by PATCH makes the TTL automatic.
	patched := decode[recordJSON](t, f.ok("PATCH", f.recordsPath()+"/"+d.ID, editToken, map[string]any{"proxied": true}).Result)
	if !patched.Proxied || patched.TTL != 1 {
		t.Errorf("after PATCH proxied: %+v", patched)
	}

	e := newFixture(t, Options{Plan: "enterprise"})
	if r := e.create(map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "ttl": 30}); r.TTL != 30 {
		t.Errorf("Enterprise ttl 30 stored as %d", r.TTL)
	}
	wantError(t, e.call("POST", e.recordsPath(), editToken, map[string]any{"type": "A", "name": "x", "content": "198.51.100.1", "ttl": 29}), 400, 1004)
}

func TestIdenticalRecord(t *testing.T) {
	f := newFixture(t, Options{})
	a := f.create(map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "ttl": 300})
	for _, body := range []map[string]any{
		{"type": "A", "name": "www", "content": "198.51.100.1"},
		{"type": "A", "name": "WWW.example.com.", "content": "198.51.100.1", "proxied": true, "comment": "different"},
	} {
		res := f.call("POST", f.recordsPath(), editToken, body)
		wantError(t, res, 400, 81058)
		if res.Errors[0].Message != "An identical record already exists." {
			t.Errorf("message = %q", res.Errors[0].Message)
		}
	}
	// Another address on the same name is a round-robin set, not a clash.
	b := f.create(map[string]any{"type": "A", "name": "www", "content": "198.51.100.2"})
	// Updating b into a copy of a is refused too; updating a onto itself is not.
	wantError(t, f.call("PATCH", f.recordsPath()+"/"+b.ID, editToken, map[string]any{"content": "198.51.100.1"}), 400, 81058)
	f.ok("PUT", f.recordsPath()+"/"+a.ID, editToken, map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "ttl": 120})
}

func TestCNAMEClashes(t *testing.T) {
	tests := []struct {
		name       string
		first      map[string]any
		second     map[string]any
		wantStatus int
		wantCode   int
	}{
		{"CNAME on an A", map[string]any{"type": "A", "content": "198.51.100.1"}, map[string]any{"type": "CNAME", "content": "t.example.net"}, 400, 81053},
		{"CNAME on an AAAA", map[string]any{"type": "AAAA", "content": "2001:db8::1"}, map[string]any{"type": "CNAME", "content": "t.example.net"}, 400, 81053},
		{"CNAME on a CNAME", map[string]any{"type": "CNAME", "content": "a.example.net"}, map[string]any{"type": "CNAME", "content": "b.example.net"}, 400, 81053},
		{"A on a CNAME", map[string]any{"type": "CNAME", "content": "a.example.net"}, map[string]any{"type": "A", "content": "198.51.100.1"}, 400, 81054},
		{"AAAA on a CNAME", map[string]any{"type": "CNAME", "content": "a.example.net"}, map[string]any{"type": "AAAA", "content": "2001:db8::1"}, 400, 81054},
		{"TXT beside a CNAME", map[string]any{"type": "CNAME", "content": "a.example.net"}, map[string]any{"type": "TXT", "content": "v"}, 200, 0},
		{"CNAME beside a TXT", map[string]any{"type": "TXT", "content": "v"}, map[string]any{"type": "CNAME", "content": "a.example.net"}, 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			tt.first["name"], tt.second["name"] = "app", "app.example.com"
			f.create(tt.first)
			res := f.call("POST", f.recordsPath(), editToken, tt.second)
			if tt.wantCode == 0 {
				if res.Status != 200 {
					t.Fatalf("status %d %+v", res.Status, res.Errors)
				}
				return
			}
			wantError(t, res, tt.wantStatus, tt.wantCode)
		})
	}

	// A record turned into a CNAME by PATCH clashes with its siblings.
	f := newFixture(t, Options{})
	f.create(map[string]any{"type": "A", "name": "app", "content": "198.51.100.1"})
	b := f.create(map[string]any{"type": "A", "name": "app", "content": "198.51.100.2"})
	wantError(t, f.call("PATCH", f.recordsPath()+"/"+b.ID, editToken, map[string]any{"type": "CNAME", "content": "x.example.net"}), 400, 81053)
}

func TestPutOverwritesPatchMerges(t *testing.T) {
	f := newFixture(t, Options{Now: steppingClock()})
	rec := f.create(map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "ttl": 300, "comment": "dw:owned", "tags": []string{"owner:dw"}})
	path := f.recordsPath() + "/" + rec.ID

	patched := decode[recordJSON](t, f.ok("PATCH", path, editToken, map[string]any{"content": "198.51.100.2"}).Result)
	if patched.Content != "198.51.100.2" || patched.TTL != 300 || patched.Comment == nil || *patched.Comment != "dw:owned" ||
		len(patched.Tags) != 1 || patched.Name != "www.example.com" {
		t.Errorf("PATCH changed more than content: %+v", patched)
	}
	if patched.CreatedOn != rec.CreatedOn || patched.ModifiedOn == rec.ModifiedOn {
		t.Errorf("PATCH timestamps: created %s→%s modified %s→%s", rec.CreatedOn, patched.CreatedOn, rec.ModifiedOn, patched.ModifiedOn)
	}
	if patched.CommentModifiedOn != rec.CommentModifiedOn {
		t.Errorf("comment_modified_on moved without a comment change")
	}

	put := decode[recordJSON](t, f.ok("PUT", path, editToken, map[string]any{"type": "A", "name": "www", "content": "198.51.100.3"}).Result)
	if put.ID != rec.ID || put.Content != "198.51.100.3" || put.TTL != 1 || put.Proxied || put.Comment != nil || len(put.Tags) != 0 {
		t.Errorf("PUT kept fields it should reset: %+v", put)
	}
	if put.CreatedOn != rec.CreatedOn {
		t.Errorf("PUT changed created_on")
	}

	// PUT needs type and name; PATCH does not.
	wantError(t, f.call("PUT", path, editToken, map[string]any{"content": "198.51.100.4"}), 400, 1004)
	wantError(t, f.call("PUT", path, editToken, map[string]any{"type": "A", "content": "198.51.100.4"}), 400, 1004)

	// An explicit null or empty comment clears it; an absent one keeps it.
	f.ok("PATCH", path, editToken, map[string]any{"comment": "again"})
	kept := decode[recordJSON](t, f.ok("PATCH", path, editToken, map[string]any{"ttl": 120}).Result)
	if kept.Comment == nil || *kept.Comment != "again" || kept.TTL != 120 {
		t.Errorf("absent comment: %+v", kept)
	}
	cleared := decode[recordJSON](t, f.ok("PATCH", path, editToken, map[string]any{"comment": nil}).Result)
	if cleared.Comment != nil || cleared.CommentModifiedOn != "" {
		t.Errorf("null comment kept: %+v", cleared)
	}

	// A refused update leaves the record as it was.
	wantError(t, f.call("PATCH", path, editToken, map[string]any{"content": "not-an-ip"}), 400, 9005)
	got := decode[recordJSON](t, f.ok("GET", path, readToken, nil).Result)
	if got.Content != "198.51.100.3" || got.TTL != 120 {
		t.Errorf("after refused PATCH: %+v", got)
	}
}

func TestDeleteAndMissingRecords(t *testing.T) {
	f := newFixture(t, Options{})
	rec := f.create(map[string]any{"type": "A", "name": "www", "content": "198.51.100.1"})
	path := f.recordsPath() + "/" + rec.ID

	res := f.ok("DELETE", path, editToken, nil)
	if string(res.Result) != `{"id":"`+rec.ID+`"}` {
		t.Errorf("delete result = %s", res.Result)
	}
	for _, m := range []string{"GET", "DELETE", "PATCH", "PUT"} {
		res := f.call(m, path, editToken, map[string]any{"type": "A", "name": "www", "content": "198.51.100.1"})
		wantError(t, res, 404, 81044)
		if res.Errors[0].Message != "Record does not exist." {
			t.Errorf("%s message = %q", m, res.Errors[0].Message)
		}
	}
	if n := len(f.srv.Records(f.zone.ID)); n != 0 {
		t.Errorf("%d records left", n)
	}
	wantError(t, f.call("DELETE", f.recordsPath()+"/"+newID(), readToken, nil), 403, 10000)
}

func TestAddRecordAndSnapshot(t *testing.T) {
	f := newFixture(t, Options{})
	foreign, err := f.srv.AddRecord(f.zone.ID, Record{Type: "A", Name: "www", Content: "198.51.100.9", Comment: "by hand", Tags: []string{"team:web"}})
	if err != nil {
		t.Fatal(err)
	}
	if !isID(foreign.ID) || foreign.Name != "www.example.com" || foreign.TTL != 1 || foreign.CreatedOn.IsZero() {
		t.Errorf("AddRecord = %+v", foreign)
	}
	if _, err := f.srv.AddRecord(f.zone.ID, Record{Type: "MX", Name: "@", Content: "mx.example.net", Priority: 5, TTL: 3600}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.AddRecord(f.zone.ID, Record{Type: "A", Name: "www", Content: "198.51.100.9"}); err == nil {
		t.Error("AddRecord accepted an identical record")
	}
	if _, err := f.srv.AddRecord(newID(), Record{Type: "A", Name: "x", Content: "198.51.100.9"}); err == nil {
		t.Error("AddRecord accepted an unknown zone")
	}

	// The API sees hand-made records like any other.
	got := decode[recordJSON](t, f.ok("GET", f.recordsPath()+"/"+foreign.ID, readToken, nil).Result)
	if got.Comment == nil || *got.Comment != "by hand" || got.Tags[0] != "team:web" {
		t.Errorf("via API: %+v", got)
	}

	snap := f.srv.Records(f.zone.ID)
	if len(snap) != 2 || snap[0].ID != foreign.ID || snap[1].Priority != 5 || snap[1].TTL != 3600 {
		t.Fatalf("Records = %+v", snap)
	}
	snap[0].Content, snap[0].Tags[0] = "changed", "changed:yes"
	if again := f.srv.Records(f.zone.ID); again[0].Content != "198.51.100.9" || again[0].Tags[0] != "team:web" {
		t.Error("Records returned shared state")
	}
	if f.srv.Records(newID()) != nil {
		t.Error("Records of an unknown zone is not nil")
	}
}

func TestConcurrentWrites(t *testing.T) {
	f := newFixture(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for i := range 40 {
		wg.Go(func() {
			res := f.call("POST", f.recordsPath(), editToken, map[string]any{"type": "A", "name": "host", "content": "198.51.100." + strconv.Itoa(i+1)})
			if res.Status != 200 {
				errs <- res.Errors[0].Message
			}
			f.call("GET", f.recordsPath(), readToken, nil)
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := len(f.srv.Records(f.zone.ID)); n != 40 {
		t.Errorf("%d records, want 40", n)
	}
}

// steppingClock returns a clock that moves one second per reading, so
// that timestamps of successive writes differ.
func steppingClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2025, 10, 25, 12, 48, 34, 179770000, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}
