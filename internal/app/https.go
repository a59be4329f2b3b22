package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/certs"
	"github.com/dockerwatcher/docker-watcher/internal/consumer"
	"github.com/dockerwatcher/docker-watcher/internal/dns"
	"github.com/dockerwatcher/docker-watcher/internal/events"
	"github.com/dockerwatcher/docker-watcher/internal/model"
	"github.com/dockerwatcher/docker-watcher/internal/proxy/builtin"
)

// https keeps the certificate manager's plan in step with the settings
// and the consumers, and tells the built-in proxy how plain HTTP relates
// to HTTPS (challenges, redirects, HSTS).
type https struct {
	a       *App
	m       *certs.Manager
	kick    chan struct{}
	tlsPort atomic.Int64

	mu      sync.Mutex
	names   []string                        // the consumers' names at the last apply
	shown   string                          // the certificates as last announced
	covered atomic.Pointer[map[string]bool] // names with a valid certificate: redirected
}

func (a *App) newHTTPS(open func(model.Settings) (dns.Provider, error)) error {
	h := &https{a: a, kick: make(chan struct{}, 1)}
	h.covered.Store(&map[string]bool{})
	m, err := certs.New(certs.Options{
		DataDir: a.Config.DataDir, Challenges: a.Store, Resolvers: a.Config.ACMEResolvers,
		HTTPAddr: loopback(a.Config.ProxyListen), Log: a.Log, Metrics: a.Metrics,
		DNS: func(ctx context.Context) (dns.Provider, model.DNSTarget, error) {
			st, err := a.Store.Settings(ctx)
			if err != nil {
				return nil, model.DNSTarget{}, err
			}
			if !st.Managed() {
				return nil, model.DNSTarget{}, errors.New("DNS is not managed: no provider to write the challenge records")
			}
			p, err := open(st)
			return p, st.DNS().Target(), err
		},
		Changed: h.certsChanged,
	})
	if err != nil {
		return err
	}
	h.m, a.Certs, a.https = m, m, h
	a.Bus.Subscribe(func(e events.Event) {
		if e.Kind == events.ConsumersChanged || e.Kind == events.SettingsChanged {
			notify(h.kick)
		}
	})
	return nil
}

func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// run applies the plan at start and after every change, until ctx ends.
func (h *https) run(ctx context.Context, httpAddr, tlsAddr string) error {
	if !h.a.Config.ACME {
		h.a.Log.Info("certificates: ACME is off (DW_ACME=off): HTTPS serves no certificate")
	}
	h.m.SetHTTPAddr(loopback(httpAddr))
	if _, p, err := net.SplitHostPort(tlsAddr); err == nil {
		n, _ := strconv.Atoi(p)
		h.tlsPort.Store(int64(n))
	}
	defer h.m.Close()
	retry := time.NewTimer(0)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.kick:
		case <-retry.C:
		}
		if err := h.apply(ctx); err != nil && ctx.Err() == nil {
			h.a.Log.Warn("certificates: plan not applied; trying again in a minute", "err", err)
			retry.Reset(time.Minute)
		}
	}
}

// apply reads the settings and consumers, hands the manager its plan and
// the proxy its HTTPS behaviour.
func (h *https) apply(ctx context.Context) error {
	st, err := h.a.Store.Settings(ctx)
	if err != nil {
		return err
	}
	instances, err := h.a.Store.Instances(ctx)
	if err != nil {
		return err
	}
	proxies, err := h.a.Store.Proxies(ctx)
	if err != nil {
		return err
	}
	acme := st.ACME()
	var names []string
	for _, c := range consumer.List(instances, proxies, st, time.Now()) {
		names = append(names, c.FQDN)
	}
	plan := certs.Want(certInput(st, h.a.Config.ACME, names))
	h.mu.Lock()
	h.names = names
	h.mu.Unlock()
	err = h.m.Apply(ctx, certs.Config{Email: acme.Email, DirectoryURL: acme.DirectoryURL, Plan: plan})
	var redirect func(string) bool
	if acme.Redirect {
		redirect = func(host string) bool { return (*h.covered.Load())[host] }
	}
	h.a.Proxy.SetHTTPS(builtin.HTTPS{Challenge: h.m.HTTPChallenge, Redirect: redirect, Port: int(h.tlsPort.Load()), HSTS: acme.HSTS})
	h.certsChanged()
	return err
}

// certInput is what the plan of certificates is made from. DNS-01 needs
// a provider that can write the challenge records: managed DNS with its
// zone chosen and its credentials stored. Until then (a token saved, the
// zone not chosen yet, as the settings page goes) no DNS-01 order is
// made, which would fail and hold its name until the CA client's next
// retry, a minute later; once the zone is saved the plan changes and the
// order is made at once.
func certInput(st model.Settings, acmeOn bool, names []string) certs.Input {
	acme := st.ACME()
	return certs.Input{Enabled: acme.Enabled && acmeOn, Domain: acme.Domain, Builtin: st.Proxy().Router == model.RouterBuiltin,
		Managed: st.Managed() && st.DNS().Ready() == nil, Names: names}
}

// certsChanged recomputes which names have a certificate, and tells the
// UI when what it shows changed (a plan applied for an unrelated consumer
// change, or with ACME off, changes nothing there).
func (h *https) certsChanged() {
	h.mu.Lock()
	names := h.names
	h.mu.Unlock()
	covered := make(map[string]bool, len(names))
	for _, n := range names {
		if h.m.Covered(n) {
			covered[n] = true
		}
	}
	h.covered.Store(&covered)
	shown := fmt.Sprint(h.m.Enabled(), h.m.Status())
	h.mu.Lock()
	same := shown == h.shown
	h.shown = shown
	h.mu.Unlock()
	if !same {
		h.a.Bus.Publish(events.Event{Kind: events.CertificatesChanged, Subject: "certificates"})
	}
}
