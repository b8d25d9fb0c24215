package sqldb

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestMySQLServerTimeout: a MySQL/MariaDB pool carries the service's statement timeout to the
// server, which stops a query itself (a cancelled context only abandons it).
func TestMySQLServerTimeout(t *testing.T) {
	dsn := os.Getenv("APIARY_TEST_MYSQL_DSN")
	if dsn == "" {
		t.Skip("APIARY_TEST_MYSQL_DSN is not set")
	}
	c, err := parseConfig("mysql", map[string]any{"dsn": dsn, "statement_timeout": 2.0}, "")
	if err != nil {
		t.Fatal(err)
	}
	db, err := c.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version string
	if err := db.QueryRow("SELECT VERSION()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	variable := "@@max_execution_time"
	want := 2000.0
	if strings.Contains(strings.ToLower(version), "mariadb") {
		variable, want = "@@max_statement_time", 2
	}
	var got float64
	if err := db.QueryRow("SELECT " + variable).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("%s = %v, want %v (server %s)", variable, got, want, version)
	}
	// The server stops a statement that runs past it: SLEEP returns 1 when interrupted
	// (MariaDB and MySQL alike), or the statement fails with the timeout error.
	var slept int
	if err := db.QueryRow("SELECT SLEEP(5)").Scan(&slept); err == nil && slept != 1 {
		t.Errorf("SLEEP(5) ran to the end: the server did not apply the timeout")
	}
}
