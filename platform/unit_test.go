package platform

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// fakeTx records what was done to it in a shared log.
type fakeTx struct {
	name string
	log  *[]string
	fail bool
}

func (t *fakeTx) Commit() error {
	*t.log = append(*t.log, "commit "+t.name)
	if t.fail {
		return errors.New("commit failed")
	}
	return nil
}

func (t *fakeTx) Rollback() error {
	*t.log = append(*t.log, "rollback "+t.name)
	return nil
}

// TestUnit: one transaction per service, begun once with the unit's context; Commit commits in
// order and then runs the held queued events; Rollback drops them; a failed commit rolls the
// rest back and drops them; nothing is begun after the unit ended.
func TestUnit(t *testing.T) {
	var log []string
	begin := func(name string, fail bool) func(context.Context) (UnitTx, error) {
		return func(ctx context.Context) (UnitTx, error) {
			if UnitFrom(ctx) != nil {
				t.Error("a transaction must be begun with the unit's own context")
			}
			log = append(log, "begin "+name)
			return &fakeTx{name: name, log: &log, fail: fail}, nil
		}
	}
	ctx, u := WithUnit(context.Background())
	if UnitFrom(ctx) != u || UnitFrom(context.Background()) != nil {
		t.Fatal("UnitFrom")
	}
	a1, _ := u.Tx("a", begin("a", false))
	a2, _ := u.Tx("a", begin("a", false))
	_, _ = u.Tx("b", begin("b", false))
	if a1 != a2 || u.Existing("a") != a1 || u.Existing("c") != nil {
		t.Error("one transaction per service")
	}
	u.hold(func() { log = append(log, "queued") })
	if err := u.Commit(); err != nil {
		t.Fatal(err)
	}
	u.Rollback() // no-op
	if want := []string{"begin a", "begin b", "commit a", "commit b", "queued"}; !reflect.DeepEqual(log, want) {
		t.Errorf("commit: %v", log)
	}
	if _, err := u.Tx("c", begin("c", false)); !errors.Is(err, ErrUnitDone) || u.Existing("a") != nil {
		t.Errorf("after commit: %v", err)
	}

	log = nil
	_, u = WithUnit(context.Background())
	_, _ = u.Tx("a", begin("a", false))
	u.hold(func() { log = append(log, "queued") })
	u.Rollback()
	if want := []string{"begin a", "rollback a"}; !reflect.DeepEqual(log, want) {
		t.Errorf("rollback: %v", log)
	}

	log = nil
	_, u = WithUnit(context.Background())
	_, _ = u.Tx("a", begin("a", true))
	_, _ = u.Tx("b", begin("b", false))
	u.hold(func() { log = append(log, "queued") })
	if err := u.Commit(); err == nil {
		t.Error("a failed commit reported no error")
	}
	if want := []string{"begin a", "begin b", "commit a", "rollback b"}; !reflect.DeepEqual(log, want) {
		t.Errorf("failed commit: %v", log)
	}
}
