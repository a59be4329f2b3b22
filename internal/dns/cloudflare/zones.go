package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v6"
	"github.com/cloudflare/cloudflare-go/v6/accounts"
	cfdns "github.com/cloudflare/cloudflare-go/v6/dns"
	"github.com/cloudflare/cloudflare-go/v6/zones"

	"github.com/dockerwatcher/docker-watcher/internal/dns"
)

// ListZones lists the zones the token can see, all pages (Cloudflare
// allows 50 a page), optionally those whose name contains a fragment.
func (p *Provider) ListZones(ctx context.Context, nameContains string) ([]dns.Zone, error) {
	params := zones.ZoneListParams{PerPage: cloudflare.F(50.0)}
	if nameContains != "" {
		params.Name = cloudflare.F("contains:" + nameContains)
	}
	var out []dns.Zone
	for page := 1; ; page++ {
		params.Page = cloudflare.F(float64(page))
		res, err := p.zones.List(ctx, params)
		if err != nil {
			return nil, wrap("list zones", err)
		}
		for _, z := range res.Result {
			out = append(out, dns.Zone{ID: z.ID, Name: z.Name, Status: string(z.Status)})
		}
		var info pageInfo
		json.Unmarshal([]byte(res.ResultInfo.JSON.RawJSON()), &info)
		if page >= info.TotalPages || len(res.Result) == 0 {
			return out, nil
		}
	}
}

// Zone reads the configured zone by its id: its name is Cloudflare's,
// whatever the settings say.
func (p *Provider) Zone(ctx context.Context) (dns.Zone, error) {
	if p.opts.ZoneID == "" {
		return dns.Zone{}, errors.New("cloudflare: no zone configured")
	}
	z, err := p.zones.Get(ctx, zones.ZoneGetParams{ZoneID: cloudflare.F(p.opts.ZoneID)})
	if err != nil {
		return dns.Zone{}, wrap("read zone "+p.opts.ZoneID, err)
	}
	return dns.Zone{ID: z.ID, Name: z.Name, Status: string(z.Status)}, nil
}

// Verify checks, without changing the zone, that the token is active, can
// read the zone and its DNS records, and can edit DNS records. Checks
// after a failed one that they depend on are reported as skipped. It
// returns an error only for a transient failure (the caller answers 502).
func (p *Provider) Verify(ctx context.Context) (dns.Verification, error) {
	var v dns.Verification
	add := func(name string, ok bool, msg string) {
		v.Checks = append(v.Checks, dns.Check{Name: name, OK: ok, Message: msg})
	}

	// The zone first: it names the account, which account-owned tokens
	// need for their verify endpoint.
	var zone *zones.Zone
	var zoneErr error
	if p.opts.ZoneID != "" {
		zone, zoneErr = p.zones.Get(ctx, zones.ZoneGetParams{ZoneID: cloudflare.F(p.opts.ZoneID)})
		zoneErr = wrap("read zone", zoneErr)
		if dns.IsTransient(zoneErr) {
			return v, zoneErr
		}
	}

	status, err := p.verifyToken(ctx, zone)
	switch {
	case dns.IsTransient(err):
		return v, err
	case err != nil:
		add("token", false, "the token was refused: "+message(err))
	case status != "active":
		add("token", false, fmt.Sprintf("the token is %s, not active", status))
	default:
		add("token", true, "API token is valid and active")
	}

	switch {
	case p.opts.ZoneID == "":
		add("zone", false, "no zone selected")
	case zoneErr != nil:
		add("zone", false, "the zone cannot be read: "+message(zoneErr)+" (the token needs Zone > Zone > Read on it)")
	default:
		v.ZoneName = zone.Name
		add("zone", true, "zone "+zone.Name+" is readable")
	}
	if zoneErr != nil || p.opts.ZoneID == "" {
		add("dns_read", false, "skipped: the zone is not readable")
		add("dns_edit", false, "skipped: the zone is not readable")
		return v, nil
	}

	_, err = p.records.List(ctx, cfdns.RecordListParams{ZoneID: cloudflare.F(p.opts.ZoneID), PerPage: cloudflare.F(5.0)})
	if err = wrap("list records", err); dns.IsTransient(err) {
		return v, err
	} else if err != nil {
		add("dns_read", false, "DNS records cannot be read: "+message(err)+" (the token needs Zone > DNS > Read or Edit)")
		add("dns_edit", false, "skipped: DNS records cannot be read")
		return v, nil
	}
	add("dns_read", true, "DNS records can be read")

	ok, err := p.probeEdit(ctx, v.ZoneName)
	switch {
	case err != nil:
		return v, err
	case ok:
		add("dns_edit", true, "DNS records can be edited")
	default:
		add("dns_edit", false, "the token lacks the permission Zone > DNS > Edit on "+v.ZoneName)
	}
	return v, nil
}

// verifyToken asks Cloudflare for the token's status: at the user
// endpoint, and for an account-owned token, at its account's.
func (p *Provider) verifyToken(ctx context.Context, zone *zones.Zone) (string, error) {
	res, err := p.userTok.Verify(ctx)
	if err == nil {
		return string(res.Status), nil
	}
	err = wrap("verify token", err)
	if dns.IsTransient(err) || zone == nil || zone.Account.ID == "" {
		return "", err
	}
	ares, aerr := p.acctTok.Verify(ctx, accounts.TokenVerifyParams{AccountID: cloudflare.F(zone.Account.ID)})
	if aerr != nil {
		return "", err // the user endpoint's answer explains more
	}
	return string(ares.Status), nil
}

// probeEdit tells whether the token may edit DNS records without changing
// anything: it asks to create an A record whose address is invalid.
// Cloudflare checks permissions before content, so 403 means no edit
// permission and a validation error means the permission is there.
func (p *Provider) probeEdit(ctx context.Context, zoneName string) (bool, error) {
	name := "_docker-watcher-permission-check." + zoneName
	probe := cfdns.ARecordParam{
		Name: cloudflare.F(name), Type: cloudflare.F(cfdns.ARecordTypeA), Content: cloudflare.F("not-an-address"),
		TTL: cloudflare.F(cfdns.TTL1), Comment: cloudflare.F(p.opts.Marker),
	}
	res, err := p.records.New(ctx, cfdns.RecordNewParams{ZoneID: cloudflare.F(p.opts.ZoneID), Body: probe})
	if err == nil {
		// Never expected; remove what was made so the zone stays as it was.
		p.records.Delete(ctx, res.ID, cfdns.RecordDeleteParams{ZoneID: cloudflare.F(p.opts.ZoneID)})
		return true, nil
	}
	werr := wrap("check edit permission", err)
	var de *dns.Error
	switch {
	case dns.IsTransient(werr):
		return false, werr
	case errors.As(werr, &de) && (de.Status == 401 || de.Status == 403):
		return false, nil
	case errors.As(werr, &de) && de.Status == 400:
		return true, nil
	}
	return false, werr
}

func message(err error) string {
	var de *dns.Error
	if errors.As(err, &de) && de.Message != "" {
		if de.Code != 0 {
			return fmt.Sprintf("%s (code %d)", de.Message, de.Code)
		}
		return de.Message
	}
	return err.Error()
}
