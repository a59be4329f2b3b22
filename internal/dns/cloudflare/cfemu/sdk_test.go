package cfemu_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cloudflare/cloudflare-go/v6"
	"github.com/cloudflare/cloudflare-go/v6/accounts"
	"github.com/cloudflare/cloudflare-go/v6/dns"
	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/zones"

	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
)

// TestOfficialSDK proves that Cloudflare's own Go SDK, the client Docker
// Watcher uses, parses every answer the emulator gives on the paths it
// needs, errors included.
func TestOfficialSDK(t *testing.T) {
	srv := cfemu.New(cfemu.Options{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	zone := srv.AddZone("example.com")
	srv.AddZone("other.org")
	tokenID := srv.AddToken("sdk-token", cfemu.TokenOptions{CanEdit: true})
	srv.AddToken("account-token", cfemu.TokenOptions{AccountID: srv.AccountID()})
	foreign, err := srv.AddRecord(zone.ID, cfemu.Record{Type: "TXT", Name: "@", Content: "v=spf1 -all", Comment: "by hand"})
	if err != nil {
		t.Fatal(err)
	}

	ctx := t.Context()
	newClient := func(token string) *cloudflare.Client {
		return cloudflare.NewClient(
			option.WithBaseURL(ts.URL+"/client/v4/"),
			option.WithAPIToken(token),
			option.WithMaxRetries(0),
		)
	}
	client := newClient("sdk-token")

	// Token verification, user and account forms.
	v, err := client.User.Tokens.Verify(ctx)
	if err != nil || v.ID != tokenID || v.Status != "active" {
		t.Fatalf("user verify: %+v %v", v, err)
	}
	av, err := newClient("account-token").Accounts.Tokens.Verify(ctx, accounts.TokenVerifyParams{AccountID: cloudflare.F(srv.AccountID())})
	if err != nil || av.Status != "active" {
		t.Fatalf("account verify: %+v %v", av, err)
	}

	// Zones, filtered by name.
	zpage, err := client.Zones.List(ctx, zones.ZoneListParams{Name: cloudflare.F("example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if len(zpage.Result) != 1 || zpage.Result[0].ID != zone.ID || zpage.Result[0].Status != zones.ZoneStatusActive ||
		zpage.Result[0].Plan.LegacyID != "free" || zpage.Result[0].CreatedOn.IsZero() {
		t.Fatalf("zones = %+v", zpage.Result)
	}
	var zoneCount int
	for it := client.Zones.ListAutoPaging(ctx, zones.ZoneListParams{PerPage: cloudflare.F(5.0)}); it.Next(); {
		zoneCount++
	}
	if zoneCount != 2 {
		t.Errorf("auto-paging saw %d zones, want 2", zoneCount)
	}

	// Create.
	created, err := client.DNS.Records.New(ctx, dns.RecordNewParams{
		ZoneID: cloudflare.F(zone.ID),
		Body: dns.ARecordParam{
			Name:    cloudflare.F("app.example.com"),
			Type:    cloudflare.F(dns.ARecordTypeA),
			Content: cloudflare.F("198.51.100.10"),
			TTL:     cloudflare.F(dns.TTL(300)),
			Comment: cloudflare.F("dw:owned"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.Name != "app.example.com" || created.Content != "198.51.100.10" || created.TTL != 300 ||
		created.Comment != "dw:owned" || created.CreatedOn.IsZero() || !created.Proxiable {
		t.Fatalf("created = %+v", created)
	}

	// An API error is a *cloudflare.Error carrying Cloudflare's code.
	_, err = client.DNS.Records.New(ctx, dns.RecordNewParams{
		ZoneID: cloudflare.F(zone.ID),
		Body: dns.ARecordParam{Name: cloudflare.F("app.example.com"), Type: cloudflare.F(dns.ARecordTypeA),
			Content: cloudflare.F("198.51.100.10"), TTL: cloudflare.F(dns.TTL(1))},
	})
	var apiErr *cloudflare.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || len(apiErr.Errors) == 0 || apiErr.Errors[0].Code != 81058 {
		t.Fatalf("identical create: %v", err)
	}

	// List with the filters the provider uses.
	var listed []dns.RecordResponse
	for it := client.DNS.Records.ListAutoPaging(ctx, dns.RecordListParams{
		ZoneID:  cloudflare.F(zone.ID),
		Name:    cloudflare.F(dns.RecordListParamsName{Exact: cloudflare.F("app.example.com")}),
		Type:    cloudflare.F(dns.RecordListParamsTypeA),
		Comment: cloudflare.F(dns.RecordListParamsComment{Exact: cloudflare.F("dw:owned")}),
		PerPage: cloudflare.F(5000000.0),
	}); it.Next(); {
		listed = append(listed, it.Current())
	}
	if len(listed) != 1 || listed[0].ID != created.ID {
		t.Fatalf("filtered list = %+v", listed)
	}
	var all int
	for it := client.DNS.Records.ListAutoPaging(ctx, dns.RecordListParams{ZoneID: cloudflare.F(zone.ID), PerPage: cloudflare.F(1.0)}); it.Next(); {
		all++
	}
	if all != 2 {
		t.Errorf("auto-paging one record a page saw %d, want 2", all)
	}

	// Update (PUT) and edit (PATCH).
	updated, err := client.DNS.Records.Update(ctx, created.ID, dns.RecordUpdateParams{
		ZoneID: cloudflare.F(zone.ID),
		Body: dns.ARecordParam{Name: cloudflare.F("app.example.com"), Type: cloudflare.F(dns.ARecordTypeA),
			Content: cloudflare.F("198.51.100.11"), TTL: cloudflare.F(dns.TTL(1)), Proxied: cloudflare.F(true),
			Comment: cloudflare.F("dw:owned")},
	})
	if err != nil || updated.Content != "198.51.100.11" || !updated.Proxied || updated.TTL != 1 {
		t.Fatalf("update: %+v %v", updated, err)
	}
	edited, err := client.DNS.Records.Edit(ctx, created.ID, dns.RecordEditParams{
		ZoneID: cloudflare.F(zone.ID),
		Body:   dns.ARecordParam{Content: cloudflare.F("198.51.100.12")},
	})
	if err != nil || edited.Content != "198.51.100.12" || !edited.Proxied || edited.Comment != "dw:owned" {
		t.Fatalf("edit: %+v %v", edited, err)
	}
	got, err := client.DNS.Records.Get(ctx, created.ID, dns.RecordGetParams{ZoneID: cloudflare.F(zone.ID)})
	if err != nil || got.Content != "198.51.100.12" {
		t.Fatalf("get: %+v %v", got, err)
	}

	// Batch: delete the record, patch the foreign one, put, and post.
	batch, err := client.DNS.Records.Batch(ctx, dns.RecordBatchParams{
		ZoneID:  cloudflare.F(zone.ID),
		Deletes: cloudflare.F([]dns.RecordBatchParamsDelete{{ID: cloudflare.F(created.ID)}}),
		Patches: cloudflare.F([]dns.BatchPatchUnionParam{dns.BatchPatchTXTRecordParam{
			ID:             cloudflare.F(foreign.ID),
			TXTRecordParam: dns.TXTRecordParam{TTL: cloudflare.F(dns.TTL(3600))},
		}}),
		Posts: cloudflare.F([]dns.RecordBatchParamsPostUnion{
			dns.ARecordParam{Name: cloudflare.F("app.example.com"), Type: cloudflare.F(dns.ARecordTypeA),
				Content: cloudflare.F("198.51.100.12"), TTL: cloudflare.F(dns.TTL(1)), Comment: cloudflare.F("dw:owned")},
			dns.AAAARecordParam{Name: cloudflare.F("app.example.com"), Type: cloudflare.F(dns.AAAARecordTypeAAAA),
				Content: cloudflare.F("2001:db8::12"), TTL: cloudflare.F(dns.TTL(1))},
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Deletes) != 1 || batch.Deletes[0].ID != created.ID || len(batch.Patches) != 1 || batch.Patches[0].TTL != 3600 ||
		len(batch.Posts) != 2 || batch.Posts[1].Type != dns.RecordResponseTypeAAAA {
		t.Fatalf("batch = %+v", batch)
	}

	// A failed batch is an error naming the operation, and changes nothing.
	_, err = client.DNS.Records.Batch(ctx, dns.RecordBatchParams{
		ZoneID:  cloudflare.F(zone.ID),
		Deletes: cloudflare.F([]dns.RecordBatchParamsDelete{{ID: cloudflare.F(batch.Posts[0].ID)}}),
		Posts: cloudflare.F([]dns.RecordBatchParamsPostUnion{dns.ARecordParam{Name: cloudflare.F("x.example.com"),
			Type: cloudflare.F(dns.ARecordTypeA), Content: cloudflare.F("nope"), TTL: cloudflare.F(dns.TTL(1))}}),
	})
	if !errors.As(err, &apiErr) || apiErr.Errors[0].Code != 9005 || apiErr.Errors[0].Source.Pointer != "/posts/0" {
		t.Fatalf("failed batch: %v", err)
	}

	// Delete.
	del, err := client.DNS.Records.Delete(ctx, batch.Posts[1].ID, dns.RecordDeleteParams{ZoneID: cloudflare.F(zone.ID)})
	if err != nil || del.ID != batch.Posts[1].ID {
		t.Fatalf("delete: %+v %v", del, err)
	}
	_, err = client.DNS.Records.Delete(ctx, batch.Posts[1].ID, dns.RecordDeleteParams{ZoneID: cloudflare.F(zone.ID)})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || apiErr.Errors[0].Code != 81044 {
		t.Fatalf("second delete: %v", err)
	}
	if n := len(srv.Records(zone.ID)); n != 2 {
		t.Errorf("zone holds %d records, want 2", n)
	}

	// Rate limiting reaches the SDK as a 429 error (retries are off here).
	srv.SetRateLimit(1, 0)
	_, _ = client.User.Tokens.Verify(ctx)
	_, err = client.User.Tokens.Verify(ctx)
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || apiErr.Errors[0].Code != 10100 {
		t.Fatalf("rate limited verify: %v", err)
	}
}
