package platform

import (
	"strings"
	"testing"
)

// TestMaskDSN: the password never survives masking, whichever DSN form holds it.
func TestMaskDSN(t *testing.T) {
	cases := map[string]string{
		"postgres://app:Secret1@db:5432/x?sslmode=disable": "postgres://app:**********@db:5432/x?sslmode=disable",
		"postgres://app@db/x?password=Secret2":             "postgres://app@db/x?password=**********",
		"host=db user=app password=Secret3 dbname=x":       "host=db user=app password=********** dbname=x",
		"host=db password='Sec ret4' dbname=x":             "host=db password=********** dbname=x",
		"root:p@ssw0rdSecret5@tcp(db:3306)/x":              "root:**********@tcp(db:3306)/x",
		"root:Secret6@/x":                                  "root:**********@/x",
	}
	for in, want := range cases {
		got := maskDSN(in)
		if got != want || strings.Contains(got, "Secret") {
			t.Errorf("maskDSN(%q) = %q, want %q", in, got, want)
		}
	}
	stored := map[string]any{"dsn": "postgres://app:Secret1@db:5432/x", "password": "pw", "host": "db"}
	cfg := map[string]any{"dsn": "postgres://app:**********@evil:5432/x"}
	if err := UnmaskConfig(cfg, stored); err == nil {
		t.Error("a masked password was restored for a new host")
	}
	cfg = map[string]any{"password": SecretMask, "host": "evil"}
	if err := UnmaskConfig(cfg, stored); err == nil {
		t.Error("a masked password was restored for a new host (fields)")
	}
	cfg = map[string]any{"dsn": "postgres://app:**********@db:5432/x"}
	if err := UnmaskConfig(cfg, stored); err != nil || cfg["dsn"] != stored["dsn"] {
		t.Errorf("unchanged DSN: %v %v", err, cfg["dsn"])
	}
}
