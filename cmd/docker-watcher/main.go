// Command docker-watcher runs Docker Watcher; see internal/app.
package main

import (
	"os"

	"github.com/dockerwatcher/docker-watcher/internal/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
