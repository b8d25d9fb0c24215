package sqldb

import (
	"context"
	"sync"
	"testing"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/store"
)

// firedEvents is a ScriptRunner that records the events the pipeline fires.
type firedEvents struct {
	mu    sync.Mutex
	names []string
}

func (f *firedEvents) RunEvent(_ context.Context, name string, _ *platform.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.names = append(f.names, name)
	return nil
}

// take returns the events fired since the last take.
func (f *firedEvents) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.names
	f.names = nil
	return out
}

// MustServeService puts s on a platform of its own (an embedded store in a temporary
// directory) as the service named s.name, so that its internal requests (related= reads) go
// through the pipeline. It returns the events the platform fires.
func MustServeService(t *testing.T, s *Service) *firedEvents {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fired := &firedEvents{}
	p := platform.New(st.Client, st.DB, st.Dialect, platform.Config{JWTSecret: []byte("test"), Scripts: fired})
	s.p = p
	p.RegisterServiceType(platform.ServiceType{Name: "test_db", New: func(*platform.Platform, *ent.Service) (platform.Service, error) {
		return s, nil
	}})
	if err := st.Client.Service.Create().SetName(s.name).SetType("test_db").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return fired
}
