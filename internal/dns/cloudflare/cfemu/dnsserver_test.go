package cfemu

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// dnsFixture is the HTTP fixture with the DNS responder listening on
// 127.0.0.1, UDP and TCP.
type dnsFixture struct {
	*fixture
	dns *DNSServer
}

func newDNSFixture(t *testing.T) *dnsFixture {
	t.Helper()
	f := newFixture(t, Options{})
	d, err := f.srv.ListenDNS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return &dnsFixture{fixture: f, dns: d}
}

// exchange sends m over network ("udp" or "tcp") and returns the answer.
func (f *dnsFixture) exchange(network string, m *dns.Msg) *dns.Msg {
	f.t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, f.dns.Addr())
	if err != nil {
		f.t.Fatalf("%s query %v: %v", network, m.Question, err)
	}
	return r
}

func (f *dnsFixture) query(network, name string, qtype uint16) *dns.Msg {
	f.t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	return f.exchange(network, m)
}

// seed adds records by hand, failing the test on a refused one.
func (f *fixture) seed(zoneID string, recs ...Record) {
	f.t.Helper()
	for _, r := range recs {
		if _, err := f.srv.AddRecord(zoneID, r); err != nil {
			f.t.Fatalf("seed %s %s: %v", r.Type, r.Name, err)
		}
	}
}

// rrLines writes records as "owner ttl TYPE rdata", for comparison.
func rrLines(rrs []dns.RR) []string {
	out := []string{}
	for _, rr := range rrs {
		h := rr.Header()
		rdata := strings.TrimPrefix(rr.String(), h.String())
		out = append(out, fmt.Sprintf("%s %d %s %s", h.Name, h.Ttl, dns.TypeToString[h.Rrtype], rdata))
	}
	return out
}

// soaLine is the SOA the responder gives for zone, with its serial now.
func (f *fixture) soaLine(zone string, ttl int) string {
	f.t.Helper()
	z, ok := f.srv.snapshot(zone)
	if !ok {
		f.t.Fatalf("no zone %s", zone)
	}
	return fmt.Sprintf("%s. %d SOA ada.ns.cloudflare.com. dns.cloudflare.com. %d 10000 2400 604800 1800", zone, ttl, z.serial)
}

func TestDNSAnswers(t *testing.T) {
	f := newDNSFixture(t)
	sub := f.srv.AddZone("sub.example.com")
	f.seed(f.zone.ID,
		Record{Type: "A", Name: "www", Content: "198.51.100.10"},
		Record{Type: "AAAA", Name: "www", Content: "2001:db8::10", TTL: 120},
		Record{Type: "CNAME", Name: "blog", Content: "www.example.com"},
		Record{Type: "CNAME", Name: "ext", Content: "hosting.example.net", Proxied: true},
		Record{Type: "CNAME", Name: "alias", Content: "www.example.com"},
		Record{Type: "TXT", Name: "alias", Content: "beside the CNAME"},
		Record{Type: "CNAME", Name: "loop1", Content: "loop2.example.com"},
		Record{Type: "CNAME", Name: "loop2", Content: "loop1.example.com"},
		Record{Type: "A", Name: "proxied", Content: "203.0.113.7", Proxied: true},
		Record{Type: "TXT", Name: "_acme-challenge.app", Content: "token-123"},
		Record{Type: "TXT", Name: "@", Content: "v=spf1 -all"},
		Record{Type: "MX", Name: "@", Content: "mail.example.net", Priority: 10, TTL: 3600},
		Record{Type: "A", Name: "a.b.deep", Content: "198.51.100.20"},
		Record{Type: "A", Name: "*.wild", Content: "198.51.100.99"},
		Record{Type: "A", Name: "www.sub", Content: "198.51.100.30"}, // hidden by the sub.example.com zone
	)
	f.seed(sub.ID, Record{Type: "A", Name: "www", Content: "192.0.2.5"})

	soa := f.soaLine("example.com", 1800)
	subSOA := f.soaLine("sub.example.com", 1800)
	tests := []struct {
		name      string
		qname     string
		qtype     uint16
		rcode     int
		answer    []string
		authority []string
	}{
		{"A", "www.example.com.", dns.TypeA, dns.RcodeSuccess, []string{"www.example.com. 300 A 198.51.100.10"}, nil},
		{"AAAA with its TTL", "www.example.com.", dns.TypeAAAA, dns.RcodeSuccess, []string{"www.example.com. 120 AAAA 2001:db8::10"}, nil},
		{"case kept from the question", "WwW.ExAmPlE.CoM.", dns.TypeA, dns.RcodeSuccess, []string{"WwW.ExAmPlE.CoM. 300 A 198.51.100.10"}, nil},
		{"proxied answers the origin", "proxied.example.com.", dns.TypeA, dns.RcodeSuccess, []string{"proxied.example.com. 300 A 203.0.113.7"}, nil},
		{"TXT", "_acme-challenge.app.example.com.", dns.TypeTXT, dns.RcodeSuccess, []string{`_acme-challenge.app.example.com. 300 TXT "token-123"`}, nil},
		{"TXT at the apex", "example.com.", dns.TypeTXT, dns.RcodeSuccess, []string{`example.com. 300 TXT "v=spf1 -all"`}, nil},
		{"MX", "example.com.", dns.TypeMX, dns.RcodeSuccess, []string{"example.com. 3600 MX 10 mail.example.net."}, nil},
		{"SOA at the apex", "example.com.", dns.TypeSOA, dns.RcodeSuccess, []string{f.soaLine("example.com", 3600)}, nil},
		{"NS at the apex", "example.com.", dns.TypeNS, dns.RcodeSuccess, []string{"example.com. 3600 NS ada.ns.cloudflare.com.", "example.com. 3600 NS bob.ns.cloudflare.com."}, nil},
		{"CNAME followed in the zone", "blog.example.com.", dns.TypeA, dns.RcodeSuccess, []string{"blog.example.com. 300 CNAME www.example.com.", "www.example.com. 300 A 198.51.100.10"}, nil},
		{"CNAME followed to NODATA", "blog.example.com.", dns.TypeTXT, dns.RcodeSuccess, []string{"blog.example.com. 300 CNAME www.example.com."}, []string{soa}},
		{"CNAME asked for", "blog.example.com.", dns.TypeCNAME, dns.RcodeSuccess, []string{"blog.example.com. 300 CNAME www.example.com."}, nil},
		{"CNAME out of the zone", "ext.example.com.", dns.TypeA, dns.RcodeSuccess, []string{"ext.example.com. 300 CNAME hosting.example.net."}, nil},
		{"TXT beside a CNAME", "alias.example.com.", dns.TypeTXT, dns.RcodeSuccess, []string{`alias.example.com. 300 TXT "beside the CNAME"`}, nil},
		{"CNAME loop", "loop1.example.com.", dns.TypeA, dns.RcodeServerFailure, []string{}, nil},
		{"NODATA", "_acme-challenge.app.example.com.", dns.TypeA, dns.RcodeSuccess, []string{}, []string{soa}},
		{"unsupported type is NODATA", "www.example.com.", dns.TypeSRV, dns.RcodeSuccess, []string{}, []string{soa}},
		{"SOA below the apex is NODATA", "www.example.com.", dns.TypeSOA, dns.RcodeSuccess, []string{}, []string{soa}},
		{"NS below the apex is NODATA", "www.example.com.", dns.TypeNS, dns.RcodeSuccess, []string{}, []string{soa}},
		{"NXDOMAIN", "nope.example.com.", dns.TypeA, dns.RcodeNameError, []string{}, []string{soa}},
		{"NXDOMAIN for TXT", "_acme-challenge.nope.example.com.", dns.TypeTXT, dns.RcodeNameError, []string{}, []string{soa}},
		{"empty non-terminal", "deep.example.com.", dns.TypeA, dns.RcodeSuccess, []string{}, []string{soa}},
		{"empty non-terminal, deeper", "b.deep.example.com.", dns.TypeA, dns.RcodeSuccess, []string{}, []string{soa}},
		{"below an empty non-terminal", "z.deep.example.com.", dns.TypeA, dns.RcodeNameError, []string{}, []string{soa}},
		{"wildcard", "x.wild.example.com.", dns.TypeA, dns.RcodeSuccess, []string{"x.wild.example.com. 300 A 198.51.100.99"}, nil},
		{"wildcard, two labels down", "y.x.wild.example.com.", dns.TypeA, dns.RcodeSuccess, []string{"y.x.wild.example.com. 300 A 198.51.100.99"}, nil},
		{"wildcard NODATA", "x.wild.example.com.", dns.TypeTXT, dns.RcodeSuccess, []string{}, []string{soa}},
		{"wildcard only below its parent", "wild.example.com.", dns.TypeA, dns.RcodeSuccess, []string{}, []string{soa}},
		{"longest zone wins", "www.sub.example.com.", dns.TypeA, dns.RcodeSuccess, []string{"www.sub.example.com. 300 A 192.0.2.5"}, nil},
		{"NXDOMAIN in the longest zone", "nope.sub.example.com.", dns.TypeA, dns.RcodeNameError, []string{}, []string{subSOA}},
		{"outside every zone", "www.example.org.", dns.TypeA, dns.RcodeRefused, []string{}, nil},
		{"suffix not at a label boundary", "notexample.com.", dns.TypeA, dns.RcodeRefused, []string{}, nil},
		{"the root", ".", dns.TypeSOA, dns.RcodeRefused, []string{}, nil},
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, tt := range tests {
			t.Run(network+"/"+tt.name, func(t *testing.T) {
				r := f.query(network, tt.qname, tt.qtype)
				if r.Rcode != tt.rcode {
					t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
				}
				if wantAA := tt.rcode != dns.RcodeRefused; r.Authoritative != wantAA {
					t.Errorf("AA = %v, want %v", r.Authoritative, wantAA)
				}
				if r.RecursionAvailable {
					t.Error("RA set by an authoritative-only server")
				}
				if got := rrLines(r.Answer); !slices.Equal(got, tt.answer) {
					t.Errorf("answer\n got %q\nwant %q", got, tt.answer)
				}
				if got := rrLines(r.Ns); !slices.Equal(got, orNone(tt.authority)) {
					t.Errorf("authority\n got %q\nwant %q", got, tt.authority)
				}
			})
		}
	}
}

func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestDNSLiveUpdates writes through the HTTP API and reads over DNS: a
// record is answered as soon as it is created, changed when it is, and gone
// when deleted, and the SOA serial grows at every change.
func TestDNSLiveUpdates(t *testing.T) {
	f := newDNSFixture(t)
	const name = "_acme-challenge.app.example.com."
	serial := func() uint32 {
		t.Helper()
		r := f.query("udp", "example.com.", dns.TypeSOA)
		if len(r.Answer) != 1 {
			t.Fatalf("SOA answer %v", r.Answer)
		}
		return r.Answer[0].(*dns.SOA).Serial
	}
	wantTXT := func(rcode int, want ...string) {
		t.Helper()
		r := f.query("udp", name, dns.TypeTXT)
		var got []string
		for _, rr := range r.Answer {
			got = append(got, rr.(*dns.TXT).Txt...)
		}
		if r.Rcode != rcode || !slices.Equal(got, want) {
			t.Fatalf("TXT: rcode %s answer %q; want %s %q", dns.RcodeToString[r.Rcode], got, dns.RcodeToString[rcode], want)
		}
	}

	s0 := serial()
	wantTXT(dns.RcodeNameError)

	rec := f.create(map[string]any{"type": "TXT", "name": "_acme-challenge.app", "content": "first-token"})
	wantTXT(dns.RcodeSuccess, "first-token")
	s1 := serial()
	if s1 <= s0 {
		t.Errorf("serial %d after a create, was %d", s1, s0)
	}

	f.ok("PATCH", f.recordsPath()+"/"+rec.ID, editToken, map[string]any{"content": `"second-token"`})
	wantTXT(dns.RcodeSuccess, "second-token")
	s2 := serial()
	if s2 <= s1 {
		t.Errorf("serial %d after a patch, was %d", s2, s1)
	}

	f.ok("POST", f.recordsPath()+"/batch", editToken, map[string]any{
		"posts": []map[string]any{{"type": "A", "name": "app", "content": "198.51.100.40"}},
	})
	if r := f.query("tcp", "app.example.com.", dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("batch-created A not answered: %v", r.Answer)
	}
	s3 := serial()
	if s3 <= s2 {
		t.Errorf("serial %d after a batch, was %d", s3, s2)
	}

	f.ok("DELETE", f.recordsPath()+"/"+rec.ID, editToken, nil)
	wantTXT(dns.RcodeNameError)
	if s4 := serial(); s4 <= s3 {
		t.Errorf("serial %d after a delete, was %d", s4, s3)
	}

	// A refused change changes nothing, serial included.
	before := serial()
	f.call("POST", f.recordsPath(), editToken, map[string]any{"type": "TXT", "name": "x", "content": `"unclosed`})
	if after := serial(); after != before {
		t.Errorf("serial %d after a refused create, was %d", after, before)
	}
}

func TestDNSTXTStrings(t *testing.T) {
	f := newDNSFixture(t)
	long := strings.Repeat("p", 300)
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{"plain", "token-123", []string{"token-123"}},
		{"plain with spaces is one string", "v=spf1 include:_spf.example.net -all", []string{"v=spf1 include:_spf.example.net -all"}},
		{"quoted", `"token-123"`, []string{"token-123"}},
		{"several quoted strings", `"v=DKIM1; k=rsa; " "p=MIGf"`, []string{"v=DKIM1; k=rsa; ", "p=MIGf"}},
		// miekg/dns gives TXT strings in zone-file escaped form.
		{"escapes", `"say \"hi\" \\o/" "tab\009"`, []string{`say \"hi\" \\o/`, `tab\009`}},
		{"long plain split at 255", long, []string{long[:255], long[255:]}},
		{"long quoted split at 255", `"` + long + `"`, []string{long[:255], long[255:]}},
	}
	for i, tt := range tests {
		name := fmt.Sprintf("t%d", i)
		f.seed(f.zone.ID, Record{Type: "TXT", Name: name, Content: tt.content})
		for _, network := range []string{"udp", "tcp"} {
			t.Run(network+"/"+tt.name, func(t *testing.T) {
				r := f.query(network, name+".example.com.", dns.TypeTXT)
				if len(r.Answer) != 1 {
					t.Fatalf("answer %v", r.Answer)
				}
				if got := r.Answer[0].(*dns.TXT).Txt; !slices.Equal(got, tt.want) {
					t.Errorf("strings %q, want %q", got, tt.want)
				}
			})
		}
	}
}

// TestDNSTruncationAndTCP: an answer too large for UDP is truncated (TC
// set), and the same query over TCP gets all of it.
func TestDNSTruncationAndTCP(t *testing.T) {
	f := newDNSFixture(t)
	for i := range 4 {
		f.seed(f.zone.ID, Record{Type: "TXT", Name: "big", Content: fmt.Sprintf("%d%s", i, strings.Repeat("x", 400))})
	}

	udp := f.query("udp", "big.example.com.", dns.TypeTXT)
	if !udp.Truncated || len(udp.Answer) == 4 {
		t.Errorf("UDP without EDNS0: TC %v with %d records; want TC and fewer than 4", udp.Truncated, len(udp.Answer))
	}
	m := new(dns.Msg)
	m.SetQuestion("big.example.com.", dns.TypeTXT)
	m.SetEdns0(4096, false)
	edns := f.exchange("udp", m)
	if !edns.Truncated || len(edns.Answer) < 2 || len(edns.Answer) == 4 {
		t.Errorf("UDP with EDNS0 4096 (served up to %d): TC %v with %d records", maxUDPSize, edns.Truncated, len(edns.Answer))
	}
	tcp := f.query("tcp", "big.example.com.", dns.TypeTXT)
	if tcp.Truncated || len(tcp.Answer) != 4 {
		t.Errorf("TCP: TC %v with %d records; want all 4", tcp.Truncated, len(tcp.Answer))
	}
}

func TestDNSEDNS0(t *testing.T) {
	f := newDNSFixture(t)
	for _, network := range []string{"udp", "tcp"} {
		m := new(dns.Msg)
		m.SetQuestion("example.com.", dns.TypeSOA)
		m.SetEdns0(4096, false)
		r := f.exchange(network, m)
		opt := r.IsEdns0()
		if opt == nil || opt.UDPSize() != maxUDPSize || len(r.Answer) != 1 {
			t.Errorf("%s: OPT %v answer %v; want OPT with size %d", network, opt, r.Answer, maxUDPSize)
		}
		if plain := f.query(network, "example.com.", dns.TypeSOA); plain.IsEdns0() != nil {
			t.Errorf("%s: OPT in the answer to a query without one", network)
		}
	}
}

func TestDNSOpcodes(t *testing.T) {
	f := newDNSFixture(t)
	for _, opcode := range []int{dns.OpcodeNotify, dns.OpcodeUpdate, dns.OpcodeStatus} {
		for _, network := range []string{"udp", "tcp"} {
			m := new(dns.Msg)
			m.SetQuestion("example.com.", dns.TypeSOA)
			m.Opcode = opcode
			r := f.exchange(network, m)
			if r.Rcode != dns.RcodeNotImplemented || len(r.Answer) != 0 {
				t.Errorf("%s opcode %s: rcode %s answer %v; want NOTIMP", network, dns.OpcodeToString[opcode], dns.RcodeToString[r.Rcode], r.Answer)
			}
		}
	}
}

func TestListenDNS(t *testing.T) {
	srv := New(Options{})
	d, err := srv.ListenDNS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(d.Addr())
	if host != "127.0.0.1" || port == "0" {
		t.Errorf("Addr = %q", d.Addr())
	}

	// The port is busy on both protocols while it serves.
	if _, err := srv.ListenDNS(d.Addr()); err == nil {
		t.Error("a second responder bound the same address")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if conn, err := net.DialTimeout("tcp", d.Addr(), time.Second); err == nil {
		conn.Close()
		t.Error("TCP still accepts after Close")
	}
	if _, err := srv.ListenDNS("no-port"); err == nil {
		t.Error("an address without a port was accepted")
	}
}
