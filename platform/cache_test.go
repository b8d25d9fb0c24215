package platform

import (
	"context"
	"testing"
	"time"

	"github.com/apiary/apiary/ent"
)

// builtService is a service that cannot reconfigure itself: a changed row builds a new one.
type builtService struct{ version time.Time }

func (builtService) Events(*Request) []string { return nil }
func (builtService) Handle(context.Context, *Request) (*Response, error) {
	return &Response{}, nil
}

// TestInstanceKeepsNewerForStaleRow: a request that read a service row before it changed may
// ask for its instance after another request built the instance of the new row. It gets the
// newer instance, which stays, whether or not the service can reconfigure itself.
func TestInstanceKeepsNewerForStaleRow(t *testing.T) {
	p := &Platform{types: map[string]ServiceType{}, cache: newCache()}
	builds := 0
	p.RegisterServiceType(ServiceType{Name: "plain", New: func(_ *Platform, row *ent.Service) (Service, error) {
		builds++
		return builtService{version: row.LastModifiedDate}, nil
	}})
	old, changed := time.Unix(100, 0), time.Unix(200, 0)
	row := func(at time.Time) *ent.Service {
		return &ent.Service{ID: 7, Name: "svc", Type: "plain", LastModifiedDate: at}
	}
	if _, err := p.instance(row(changed)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s, err := p.instance(row(old))
		if err != nil {
			t.Fatal(err)
		}
		if v := s.(builtService).version; !v.Equal(changed) {
			t.Errorf("a stale row got the instance of %v, want the newer one of %v", v, changed)
		}
	}
	if s, _ := p.instance(row(changed)); !s.(builtService).version.Equal(changed) || builds != 1 {
		t.Errorf("after stale rows: %d builds (want 1), instance of %v", builds, s.(builtService).version)
	}
}
