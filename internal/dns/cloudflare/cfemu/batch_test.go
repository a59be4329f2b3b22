package cfemu

import (
	"fmt"
	"testing"
)

func (f *fixture) batchPath() string { return f.recordsPath() + "/batch" }

func TestBatchDeleteRunsBeforePost(t *testing.T) {
	f := newFixture(t, Options{})
	old := f.create(map[string]any{"type": "A", "name": "www", "content": "198.51.100.1", "comment": "old"})

	// The post is identical to the record being deleted: it only succeeds
	// because deletes run first, although posts come first in the body.
	res := f.ok("POST", f.batchPath(), editToken, map[string]any{
		"posts":   []map[string]any{{"type": "A", "name": "www", "content": "198.51.100.1", "comment": "new"}},
		"deletes": []map[string]any{{"id": old.ID}},
	})
	out := decode[batchResult](t, res.Result)
	if len(out.Deletes) != 1 || out.Deletes[0].ID != old.ID || out.Deletes[0].Content != "198.51.100.1" || *out.Deletes[0].Comment != "old" {
		t.Errorf("deletes = %+v", out.Deletes)
	}
	if len(out.Posts) != 1 || out.Posts[0].ID == old.ID || *out.Posts[0].Comment != "new" {
		t.Errorf("posts = %+v", out.Posts)
	}
	if out.Patches == nil || out.Puts == nil || len(out.Patches)+len(out.Puts) != 0 {
		t.Errorf("patches %v puts %v, want empty arrays", out.Patches, out.Puts)
	}
	recs := f.srv.Records(f.zone.ID)
	if len(recs) != 1 || recs[0].ID != out.Posts[0].ID {
		t.Errorf("zone holds %+v", recs)
	}
}

func TestBatchPatchesRunBeforePuts(t *testing.T) {
	f := newFixture(t, Options{})
	a := f.create(map[string]any{"type": "A", "name": "a", "content": "198.51.100.1", "ttl": 300, "comment": "keep"})
	b := f.create(map[string]any{"type": "A", "name": "b", "content": "198.51.100.2"})

	// Both touch a: the put comes first in the body but runs last, so it
	// wins, and it resets what the patch set.
	res := f.ok("POST", f.batchPath(), editToken, map[string]any{
		"puts":    []map[string]any{{"id": a.ID, "type": "A", "name": "a", "content": "198.51.100.9"}},
		"patches": []map[string]any{{"id": a.ID, "content": "198.51.100.8", "ttl": 600}, {"id": b.ID, "proxied": true}},
	})
	out := decode[batchResult](t, res.Result)
	if len(out.Patches) != 2 || out.Patches[0].Content != "198.51.100.8" || out.Patches[0].TTL != 600 || *out.Patches[0].Comment != "keep" || !out.Patches[1].Proxied {
		t.Errorf("patches = %+v", out.Patches)
	}
	if len(out.Puts) != 1 || out.Puts[0].Content != "198.51.100.9" || out.Puts[0].TTL != 1 || out.Puts[0].Comment != nil {
		t.Errorf("puts = %+v", out.Puts)
	}
	got := f.srv.Records(f.zone.ID)
	if got[0].Content != "198.51.100.9" || got[0].TTL != 1 || !got[1].Proxied {
		t.Errorf("zone holds %+v", got)
	}
}

func TestBatchRollsBackOnFailure(t *testing.T) {
	tests := []struct {
		name        string
		body        func(existing recordJSON) map[string]any
		wantStatus  int
		wantCode    int
		wantPointer string
	}{
		{"third post invalid", func(e recordJSON) map[string]any {
			return map[string]any{
				"deletes": []map[string]any{{"id": e.ID}},
				"posts": []map[string]any{
					{"type": "A", "name": "one", "content": "198.51.100.1"},
					{"type": "A", "name": "two", "content": "198.51.100.2"},
					{"type": "A", "name": "three", "content": "not-an-address"},
				},
			}
		}, 400, 9005, "/posts/2"},
		{"patch of an unknown record", func(e recordJSON) map[string]any {
			return map[string]any{
				"deletes": []map[string]any{{"id": e.ID}},
				"patches": []map[string]any{{"id": newID(), "content": "198.51.100.3"}},
			}
		}, 404, 81044, "/patches/0"},
		{"delete of a record already deleted in the batch", func(e recordJSON) map[string]any {
			return map[string]any{"deletes": []map[string]any{{"id": e.ID}, {"id": e.ID}}}
		}, 404, 81044, "/deletes/1"},
		{"patch of a record deleted in the batch", func(e recordJSON) map[string]any {
			return map[string]any{
				"deletes": []map[string]any{{"id": e.ID}},
				"patches": []map[string]any{{"id": e.ID, "content": "198.51.100.3"}},
			}
		}, 404, 81044, "/patches/0"},
		{"put without a name", func(e recordJSON) map[string]any {
			return map[string]any{"puts": []map[string]any{{"id": e.ID, "type": "A", "content": "198.51.100.3"}}}
		}, 400, 1004, "/puts/0"},
		{"two identical posts", func(recordJSON) map[string]any {
			return map[string]any{"posts": []map[string]any{
				{"type": "TXT", "name": "x", "content": "same"},
				{"type": "TXT", "name": "x", "content": "same"},
			}}
		}, 400, 81058, "/posts/1"},
		{"post clashing with a patched CNAME", func(e recordJSON) map[string]any {
			return map[string]any{
				"patches": []map[string]any{{"id": e.ID, "type": "CNAME", "content": "t.example.net"}},
				"posts":   []map[string]any{{"type": "A", "name": "keep", "content": "198.51.100.4"}},
			}
		}, 400, 81054, "/posts/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			existing := f.create(map[string]any{"type": "A", "name": "keep", "content": "198.51.100.200", "comment": "untouched"})
			before := f.srv.Records(f.zone.ID)

			res := f.call("POST", f.batchPath(), editToken, tt.body(existing))
			wantError(t, res, tt.wantStatus, tt.wantCode)
			if src := res.Errors[0].Source; src == nil || src.Pointer != tt.wantPointer {
				t.Errorf("source = %+v, want pointer %s", src, tt.wantPointer)
			}
			after := f.srv.Records(f.zone.ID)
			if len(after) != len(before) || after[0].ID != before[0].ID || after[0].Content != before[0].Content ||
				after[0].Type != "A" || after[0].ModifiedOn != before[0].ModifiedOn {
				t.Errorf("zone changed: before %+v after %+v", before, after)
			}
		})
	}
}

func TestBatchLimitPerPlan(t *testing.T) {
	posts := func(n int) map[string]any {
		ops := make([]map[string]any, n)
		for i := range ops {
			ops[i] = map[string]any{"type": "TXT", "name": fmt.Sprintf("r%d", i), "content": "v"}
		}
		return map[string]any{"posts": ops}
	}
	tests := []struct {
		plan string
		ops  int
		ok   bool
	}{
		{"free", 200, true},
		{"free", 201, false},
		{"pro", 201, true},
		{"pro", 3500, true},
		{"enterprise", 3501, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.plan, tt.ops), func(t *testing.T) {
			f := newFixture(t, Options{Plan: tt.plan})
			res := f.call("POST", f.batchPath(), editToken, posts(tt.ops))
			if tt.ok {
				if res.Status != 200 || len(decode[batchResult](t, res.Result).Posts) != tt.ops {
					t.Fatalf("status %d %+v", res.Status, res.Errors)
				}
				if n := len(f.srv.Records(f.zone.ID)); n != tt.ops {
					t.Errorf("zone holds %d records after the batch, want %d", n, tt.ops)
				}
				return
			}
			wantError(t, res, 400, 1004)
			if n := len(f.srv.Records(f.zone.ID)); n != 0 {
				t.Errorf("%d records stored by a refused batch", n)
			}
		})
	}

	// Every kind of operation counts towards the limit.
	f := newFixture(t, Options{})
	body := posts(199)
	body["deletes"] = []map[string]any{{"id": newID()}, {"id": newID()}}
	wantError(t, f.call("POST", f.batchPath(), editToken, body), 400, 1004)
}

func TestBatchNeedsWritePermission(t *testing.T) {
	f := newFixture(t, Options{})
	wantError(t, f.call("POST", f.batchPath(), readToken, map[string]any{}), 403, 10000)
	wantError(t, f.call("POST", f.batchPath(), editToken, "[1,2]"), 400, 9207)
	empty := decode[batchResult](t, f.ok("POST", f.batchPath(), editToken, map[string]any{}).Result)
	if empty.Posts == nil || len(empty.Posts)+len(empty.Deletes)+len(empty.Patches)+len(empty.Puts) != 0 {
		t.Errorf("empty batch = %+v", empty)
	}
}
