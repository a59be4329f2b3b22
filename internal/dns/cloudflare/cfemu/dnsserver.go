package cfemu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// The DNS responder: the emulator's zones served as their authoritative
// server would, read live from the store, so that what a client wrote
// through the API (an ACME DNS-01 TXT record, say) is what a resolver or an
// ACME CA's validation gets. Not Cloudflare's edge: no proxying, no DNSSEC,
// no CNAME flattening.

// maxUDPSize is the largest UDP answer sent, and the EDNS0 buffer size
// advertised: 1232 bytes, the size Cloudflare's servers advertise (and the
// DNS Flag Day 2020 advice), so answers never need IP fragments.
const maxUDPSize = 1232

// ServeDNS answers one DNS query from the emulator's zones; the Server is a
// dns.Handler, served by ListenDNS.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	resp := s.reply(req)
	if w.LocalAddr().Network() == "udp" {
		resp.Truncate(udpSize(req)) // sets TC: the client asks again over TCP
	}
	_ = w.WriteMsg(resp)
}

// reply builds the answer to a query.
func (s *Server) reply(req *dns.Msg) *dns.Msg {
	resp := new(dns.Msg)
	resp.SetReply(req)
	if req.IsEdns0() != nil {
		resp.SetEdns0(maxUDPSize, false)
	}
	switch {
	case req.Opcode != dns.OpcodeQuery:
		resp.Rcode = dns.RcodeNotImplemented // NOTIFY; the listener refuses UPDATE and others itself
		return resp
	case len(req.Question) != 1:
		resp.Rcode = dns.RcodeFormatError
		return resp
	}
	q := req.Question[0]
	z, ok := s.snapshot(bareName(q.Name))
	if !ok || q.Qclass != dns.ClassINET {
		resp.Rcode = dns.RcodeRefused // not a zone of ours: no referral, no recursion
		return resp
	}
	resp.Authoritative = true
	resp.Rcode, resp.Answer, resp.Ns = z.answer(q)
	return resp
}

// udpSize is how large a UDP answer to req may be: 512 bytes, or the
// client's EDNS0 buffer size up to maxUDPSize.
func udpSize(req *dns.Msg) int {
	if opt := req.IsEdns0(); opt != nil {
		return min(max(int(opt.UDPSize()), dns.MinMsgSize), maxUDPSize)
	}
	return dns.MinMsgSize
}

// snapshot copies the zone that holds name: the longest zone name that is
// name or a suffix of it at a label boundary.
func (s *Server) snapshot(name string) (zoneSnapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *zoneData
	for _, z := range s.zones {
		if inZone(name, z.Name) && (best == nil || len(z.Name) > len(best.Name)) {
			best = z
		}
	}
	if best == nil {
		return zoneSnapshot{}, false
	}
	return zoneSnapshot{name: best.Name, serial: best.serial, records: slices.Clone(best.records)}, true
}

// DNSServer is a running DNS responder, on UDP and TCP of one port.
type DNSServer struct {
	addr      string
	udp, tcp  *dns.Server
	closeOnce sync.Once
	closeErr  error
}

// ListenDNS serves the emulator's zones over DNS on addr (like
// "127.0.0.1:0"), UDP and TCP on the same port, until Close. TCP is needed
// too: resolvers retry a truncated UDP answer over TCP.
func (s *Server) ListenDNS(addr string) (*DNSServer, error) {
	pc, ln, err := listenUDPAndTCP(addr)
	if err != nil {
		return nil, err
	}
	d := &DNSServer{
		addr: pc.LocalAddr().String(),
		udp:  &dns.Server{PacketConn: pc, Handler: s},
		tcp:  &dns.Server{Listener: ln, Handler: s},
	}
	// Wait until both serve, so that a Close right after cannot find a
	// server not yet started.
	started := make(chan struct{}, 2)
	failed := make(chan error, 2)
	for _, srv := range []*dns.Server{d.udp, d.tcp} {
		srv.NotifyStartedFunc = func() { started <- struct{}{} }
		go func() { failed <- srv.ActivateAndServe() }()
	}
	for range 2 {
		select {
		case <-started:
		case err := <-failed:
			_ = pc.Close()
			_ = ln.Close()
			return nil, fmt.Errorf("cfemu: serve dns on %s: %w", d.addr, err)
		}
	}
	return d, nil
}

// listenUDPAndTCP binds UDP then TCP on the same port. With port 0 the
// system picks a free UDP port whose TCP twin may be taken, so a few ports
// are tried.
func listenUDPAndTCP(addr string) (net.PacketConn, net.Listener, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("cfemu: dns listen %q: %w", addr, err)
	}
	tries := 1
	if port == "0" {
		tries = 10
	}
	for i := 1; ; i++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("cfemu: dns listen udp %s: %w", addr, err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		_ = pc.Close()
		if i == tries {
			return nil, nil, fmt.Errorf("cfemu: dns listen tcp %s: %w", pc.LocalAddr(), err)
		}
	}
}

// Addr is the host:port the responder listens on, UDP and TCP.
func (d *DNSServer) Addr() string { return d.addr }

// Close stops the responder, waiting briefly for queries in flight. It may
// be called more than once.
func (d *DNSServer) Close() error {
	d.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.closeErr = errors.Join(d.udp.ShutdownContext(ctx), d.tcp.ShutdownContext(ctx))
		if d.closeErr != nil {
			d.closeErr = fmt.Errorf("cfemu: close dns: %w", d.closeErr)
		}
	})
	return d.closeErr
}
