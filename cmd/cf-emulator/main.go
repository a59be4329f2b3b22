// Command cf-emulator serves the Cloudflare API emulator (package cfemu) on
// a local address, for demos and manual testing of Docker Watcher against
// "Cloudflare" without an account:
//
//	go run ./cmd/cf-emulator --listen 127.0.0.1:8787 --token dev-token --zone example.com --seed
//
// Point Docker Watcher at it with DW_CLOUDFLARE_API_URL set to the printed
// base URL. With --dns-listen it also answers DNS for its zones (UDP and
// TCP), so that an ACME CA such as Pebble can check DNS-01 records written
// through the API. It stops on SIGINT or SIGTERM; all state is in memory.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dockerwatcher/docker-watcher/internal/dns/cloudflare/cfemu"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cf-emulator:", err)
		os.Exit(1)
	}
}

// run parses the flags, starts the emulator and serves until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cf-emulator", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8787", "address to listen on")
	dnsListen := fs.String("dns-listen", "", "address to answer DNS for the zones on, UDP and TCP (like 127.0.0.1:8053); empty: no DNS")
	token := fs.String("token", "dev-token", "API token accepted, with DNS edit permission on every zone")
	planName := fs.String("plan", "free", "plan of the zones: free, pro, business or enterprise")
	rateLimit := fs.Int("rate-limit", 1200, "requests allowed per rate window; 0 turns the limit off")
	rateWindow := fs.Duration("rate-window", 5*time.Minute, "rate-limit window")
	seed := fs.Bool("seed", false, "add a few records to every zone, as if made by hand")
	var zones []string
	fs.Func("zone", "zone to serve (repeatable; default example.com)", func(v string) error {
		zones = append(zones, v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(zones) == 0 {
		zones = []string{"example.com"}
	}
	if *rateLimit == 0 {
		*rateLimit = -1 // cfemu reads 0 as "Cloudflare's default"
	}

	if err := cfemu.CheckPlan(*planName); err != nil {
		return err
	}
	srv := cfemu.New(cfemu.Options{Plan: *planName, RateLimit: *rateLimit, RateWindow: *rateWindow})
	srv.AddToken(*token, cfemu.TokenOptions{CanEdit: true})

	var added []cfemu.Zone
	for _, name := range zones {
		z := srv.AddZone(name)
		if *seed {
			if err := seedZone(srv, z); err != nil {
				return err
			}
		}
		added = append(added, z)
	}

	// Listen last, so that a client never sees a half-set-up emulator;
	// DNS first, so that a bad DNS address stops before the API serves.
	var dnsSrv *cfemu.DNSServer
	if *dnsListen != "" {
		var err error
		if dnsSrv, err = srv.ListenDNS(*dnsListen); err != nil {
			return err
		}
		defer dnsSrv.Close()
	}
	base, err := srv.Listen(*listen)
	if err != nil {
		return err
	}
	defer srv.Close()

	fmt.Fprintf(out, "Cloudflare API emulator (test and demo only)\n")
	fmt.Fprintf(out, "base URL: %s\n", base)
	if dnsSrv != nil {
		fmt.Fprintf(out, "dns:      %s (udp and tcp)\n", dnsSrv.Addr())
	}
	fmt.Fprintf(out, "token:    %s\n", *token)
	fmt.Fprintf(out, "account:  %s\n", srv.AccountID())
	for _, z := range added {
		fmt.Fprintf(out, "zone:     %s %s (%s plan)\n", z.ID, z.Name, z.Plan)
	}

	<-ctx.Done()
	fmt.Fprintln(out, "stopping")
	if dnsSrv != nil {
		if err := dnsSrv.Close(); err != nil {
			return err
		}
	}
	return srv.Close()
}

// seedZone adds records Docker Watcher does not own, so that a demo shows
// conflicts and foreign records left alone.
func seedZone(srv *cfemu.Server, z cfemu.Zone) error {
	for _, r := range []cfemu.Record{
		{Type: "A", Name: "www", Content: "198.51.100.10", Comment: "made by hand"},
		{Type: "AAAA", Name: "www", Content: "2001:db8::10"},
		{Type: "CNAME", Name: "blog", Content: "hosting.example.net", Proxied: true},
		{Type: "TXT", Name: "@", Content: "v=spf1 -all"},
		{Type: "MX", Name: "@", Content: "mail.example.net", Priority: 10, TTL: 3600},
	} {
		if _, err := srv.AddRecord(z.ID, r); err != nil {
			return fmt.Errorf("seed %s %s: %w", r.Type, r.Name, err)
		}
	}
	return nil
}
