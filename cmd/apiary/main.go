// Command apiary is the Apiary server: `apiary serve`, `apiary admin create`, `apiary version`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "apiary:", err)
		os.Exit(1)
	}
}

const usage = `Apiary — a DreamFactory-compatible API platform.

Usage:
  apiary serve [--http 127.0.0.1:8080] [--data ./apiary_data] [--db postgres://…] [--jwt-secret S]
  apiary admin create --data DIR [--db DSN] --email E --password P [--name N]
  apiary version

serve creates the first sys-admin from APIARY_ADMIN_EMAIL and APIARY_ADMIN_PASSWORD when none exists.
`

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Print(usage)
		return nil
	}
	switch args[0] {
	case "serve":
		m := NewMain()
		if err := m.ParseFlags(args[1:]); err != nil {
			return err
		}
		if err := m.Run(ctx); err != nil {
			return err
		}
		<-ctx.Done()
		return m.Close()
	case "admin":
		if len(args) < 2 || args[1] != "create" {
			return fmt.Errorf("usage: apiary admin create --data DIR --email E --password P")
		}
		return adminCreate(ctx, args[2:])
	case "version":
		fmt.Println("apiary", version)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
}
