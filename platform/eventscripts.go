package platform

import (
	"context"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/ent/eventscript"
)

// EventScript returns the active event script registered under name (an exact event name such
// as "db._table.contact.get.pre_process"), or nil. The active scripts are cached and reloaded
// after any system write (Invalidate), so a saved script applies from the next request.
func (p *Platform) EventScript(ctx context.Context, name string) (*ent.EventScript, error) {
	c := p.cache
	c.mu.RLock()
	scripts := c.scripts
	c.mu.RUnlock()
	if scripts == nil {
		gen := c.generation()
		all, err := p.Client.EventScript.Query().Where(eventscript.IsActive(true)).All(ctx)
		if err != nil {
			return nil, err
		}
		scripts = make(map[string]*ent.EventScript, len(all))
		for _, s := range all {
			scripts[s.Name] = s
		}
		c.store(gen, func() { c.scripts = scripts })
	}
	return scripts[name], nil
}

// ScriptRun is the outcome of one script run, kept on the Event for the journal and the log.
type ScriptRun struct {
	Name     string  `json:"name"`
	Outcome  string  `json:"outcome"` // "ok", "error", "short_circuit", "queued"
	Error    string  `json:"error,omitempty"`
	Duration float64 `json:"duration_ms"`
	Console  string  `json:"-"` // what the script printed (bounded)
}

// Record adds a script run to the event.
func (ev *Event) Record(r ScriptRun) { ev.Runs = append(ev.Runs, r) }
