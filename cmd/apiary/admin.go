package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/ent/user"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/store"
)

// createAdmin creates a sys-admin, refusing a duplicate email or a short password.
func createAdmin(ctx context.Context, c *ent.Client, email, password, name string) error {
	email = platform.NormalizeEmail(email)
	if email == "" || password == "" {
		return errors.New("an email and a password are required")
	}
	if len(password) < platform.MinPasswordLength {
		return fmt.Errorf("the password must be at least %d characters", platform.MinPasswordLength)
	}
	if n, err := c.User.Query().Where(user.EmailEqualFold(email)).Count(ctx); err != nil {
		return err
	} else if n > 0 {
		return fmt.Errorf("a user with email %s already exists", email)
	}
	hash, err := platform.HashPassword(password)
	if err != nil {
		return err
	}
	if name == "" {
		name = "Administrator"
	}
	return c.User.Create().SetEmail(email).SetPassword(hash).SetName(name).SetIsSysAdmin(true).Exec(ctx)
}

// bootstrapAdmin creates the first sys-admin from APIARY_ADMIN_EMAIL/APIARY_ADMIN_PASSWORD when
// there is none, or logs how to create one.
func bootstrapAdmin(ctx context.Context, p *platform.Platform, log *slog.Logger) error {
	n, err := p.Client.User.Query().Where(user.IsSysAdmin(true)).Count(ctx)
	if err != nil || n > 0 {
		return err
	}
	email, password := os.Getenv("APIARY_ADMIN_EMAIL"), os.Getenv("APIARY_ADMIN_PASSWORD")
	email = platform.NormalizeEmail(email)
	if email == "" || password == "" {
		log.Warn("no sys-admin exists yet: restart with APIARY_ADMIN_EMAIL and APIARY_ADMIN_PASSWORD set, " +
			"or run `apiary admin create --data DIR --email E --password P`")
		return nil
	}
	if err := createAdmin(ctx, p.Client, email, password, ""); err != nil {
		return fmt.Errorf("creating the first sys-admin: %w", err)
	}
	log.Info("created the first sys-admin", "email", email)
	return nil
}

// adminCreate is `apiary admin create`: it works offline on the data directory.
func adminCreate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	data := fs.String("data", "./apiary_data", "data directory")
	db := fs.String("db", os.Getenv("APIARY_DB"), "platform database (default: <data>/apiary.db)")
	email := fs.String("email", "", "admin email")
	password := fs.String("password", "", "admin password")
	name := fs.String("name", "", "display name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.Open(ctx, *data, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := createAdmin(ctx, st.Client, *email, *password, *name); err != nil {
		return err
	}
	fmt.Printf("created sys-admin %s\n", *email)
	return nil
}
