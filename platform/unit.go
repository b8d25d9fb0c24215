package platform

import (
	"context"
	"errors"
	"sync"
)

// Unit is a unit of work: the pipeline requests made under one context (the fields of one
// GraphQL mutation operation) share one database transaction per service, which the unit's
// owner commits or rolls back as a whole at the end. A unit is used by one request at a time
// (requests under it run one after another); its methods are nevertheless safe for concurrent
// use.
//
// Contract for services: a service that finds a unit in its context (UnitFrom) takes its
// transaction from Tx, runs its statements in it — reads too, so that they see the unit's
// earlier writes — and neither commits nor rolls it back; a failed request returns its error
// and the owner rolls the unit back. The pipeline holds the queued events of requests under a
// unit until Commit, and drops them on Rollback, so that queued scripts never see writes that
// were undone.
type Unit struct {
	ctx context.Context

	mu     sync.Mutex
	txs    map[string]UnitTx // by service name
	order  []string
	queued []func()
	done   bool
}

// UnitTx is a transaction a service keeps in a unit (*sql.Tx is one).
type UnitTx interface {
	Commit() error
	Rollback() error
}

type unitKey struct{}

// WithUnit starts a unit of work under ctx. The transactions of the unit live as long as ctx
// (not the shorter deadline of any one request under it); the caller must end the unit with
// Commit or Rollback.
func WithUnit(ctx context.Context) (context.Context, *Unit) {
	u := &Unit{ctx: ctx, txs: map[string]UnitTx{}}
	return context.WithValue(ctx, unitKey{}, u), u
}

// UnitFrom returns the unit of work ctx runs under, or nil.
func UnitFrom(ctx context.Context) *Unit {
	u, _ := ctx.Value(unitKey{}).(*Unit)
	return u
}

// ErrUnitDone is returned by Tx after the unit was committed or rolled back.
var ErrUnitDone = errors.New("the unit of work has ended")

// Tx returns the unit's transaction for service, calling begin with the unit's context to
// start it on first use.
func (u *Unit) Tx(service string, begin func(ctx context.Context) (UnitTx, error)) (UnitTx, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return nil, ErrUnitDone
	}
	if tx := u.txs[service]; tx != nil {
		return tx, nil
	}
	tx, err := begin(u.ctx)
	if err != nil {
		return nil, err
	}
	u.txs[service] = tx
	u.order = append(u.order, service)
	return tx, nil
}

// Existing returns the unit's transaction for service when one was started, else nil (reads
// before the unit's first write need none).
func (u *Unit) Existing(service string) UnitTx {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return nil
	}
	return u.txs[service]
}

// hold keeps fn (a request's queued events) until Commit.
func (u *Unit) hold(fn func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.done {
		u.queued = append(u.queued, fn)
	}
}

// Commit commits every transaction in the order they were started, then runs the held queued
// events. When a commit fails the remaining transactions are rolled back, the queued events
// dropped, and the error returned (a transaction committed before it stays committed: the
// unit spans one service in practice).
func (u *Unit) Commit() error {
	u.mu.Lock()
	if u.done {
		u.mu.Unlock()
		return ErrUnitDone
	}
	u.done = true
	txs, order, queued := u.txs, u.order, u.queued
	u.mu.Unlock()
	for i, name := range order {
		if err := txs[name].Commit(); err != nil {
			for _, rest := range order[i+1:] {
				_ = txs[rest].Rollback()
			}
			return err
		}
	}
	for _, fn := range queued {
		fn()
	}
	return nil
}

// Rollback rolls every transaction back and drops the held queued events. It is a no-op
// after Commit or Rollback.
func (u *Unit) Rollback() {
	u.mu.Lock()
	if u.done {
		u.mu.Unlock()
		return
	}
	u.done = true
	txs := u.txs
	u.mu.Unlock()
	for _, tx := range txs {
		_ = tx.Rollback()
	}
}
