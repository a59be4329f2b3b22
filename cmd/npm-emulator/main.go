// Command npm-emulator serves the Nginx Proxy Manager API emulator
// (package npmemu) on a local address, for demos and manual testing of
// Docker Watcher against "NPM" without installing it:
//
//	go run ./cmd/npm-emulator --listen 127.0.0.1:8181 --email admin@example.com --password changeme
//
// Point Docker Watcher's NPM settings at the printed base URL. It stops on
// SIGINT or SIGTERM; all state is in memory.
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

	"github.com/dockerwatcher/docker-watcher/internal/proxy/npm/npmemu"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "npm-emulator: %v\n", err)
		os.Exit(1)
	}
}

// run parses the flags, starts the emulator and serves until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("npm-emulator", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8181", "address to listen on")
	email := fs.String("email", "admin@example.com", "email of the admin user")
	password := fs.String("password", "changeme", "password of the admin user")
	twoFA := fs.String("2fa-code", "", "turn 2FA on for the admin, accepting this code (6 to 8 characters); empty: 2FA off")
	expiry := fs.Duration("token-expiry", 24*time.Hour, "lifetime of the tokens of a login")
	seed := fs.Bool("seed", false, "add a host made by hand by another user, as Docker Watcher must leave alone")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if n := len(*twoFA); n != 0 && (n < 6 || n > 8) {
		return fmt.Errorf("--2fa-code must have 6 to 8 characters, not %d", n)
	}

	srv := npmemu.New(npmemu.Options{TokenExpiry: *expiry})
	srv.AddUser(npmemu.UserOptions{Email: *email, Password: *password, Name: "Administrator", Admin: true, TwoFactorCode: *twoFA})
	if *seed {
		other := srv.AddUser(npmemu.UserOptions{Email: "someone@example.com", Password: "someone", Name: "Someone"})
		if _, err := srv.AddHost(other, npmemu.Host{DomainNames: []string{"manual.example.com"},
			ForwardHost: "192.0.2.10", ForwardPort: 8080, Enabled: true}); err != nil {
			return err
		}
	}

	// Listen last, so that a client never sees a half-set-up emulator.
	base, err := srv.Listen(*listen)
	if err != nil {
		return err
	}
	defer srv.Close()

	fmt.Fprintf(out, "Nginx Proxy Manager API emulator, v%s behaviour (test and demo only)\n", npmemu.Version)
	fmt.Fprintf(out, "base URL: %s\n", base)
	fmt.Fprintf(out, "user:     %s\n", *email)
	if *twoFA != "" {
		fmt.Fprintf(out, "2fa code: %s\n", *twoFA)
	}

	<-ctx.Done()
	fmt.Fprintln(out, "stopping")
	return srv.Close()
}
