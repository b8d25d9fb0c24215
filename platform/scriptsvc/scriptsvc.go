// Package scriptsvc is the scripted service: service types v8js and nodejs whose config holds
// a script that answers every verb and path under /api/v2/{service}/… (reference §6.5). The
// script runs on the platform's ServiceScriptRunner (the scripting engine).
package scriptsvc

import (
	"context"
	"net/http"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// Types returns the scripted service types under DreamFactory's names.
func Types() []platform.ServiceType {
	fields := []platform.ConfigField{
		{Name: "content", Label: "Script", Type: "text", Required: true,
			Description: "The script. It runs for every verb and path under the service, with event.resource the path after the service."},
		{Name: "queued", Label: "Queued", Type: "boolean", Default: false,
			Description: "Answer 202 {\"success\":true} at once and run the script afterwards, as a durable job (system/job, named service.{name})."},
		{Name: "config", Label: "Engine options", Type: "object",
			Description: "Options for the run, such as timeout_ms (capped by the server)."},
	}
	mk := func(name, label string) platform.ServiceType {
		return platform.ServiceType{Name: name, Label: label, Group: "Script", ConfigSchema: fields,
			Description: "A service whose API is a script (" + label + " style), run on Apiary's embedded sandboxed JavaScript engine.",
			New: func(p *platform.Platform, row *ent.Service) (platform.Service, error) {
				return &service{p: p, name: row.Name, typ: name, config: row.Config}, nil
			}}
	}
	return []platform.ServiceType{mk("nodejs", "Node.js"), mk("v8js", "V8js")}
}

type service struct {
	p      *platform.Platform
	name   string
	typ    string
	config map[string]any
}

// Events: a scripted service fires "{service}.{verb}…" for every path (it has no API document
// naming its paths).
func (s *service) Events(*platform.Request) []string { return []string{s.name} }

// Handle runs the script. With queued set it answers 202 and the script runs afterwards (as a
// durable job when the engine has a queue).
func (s *service) Handle(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	runner, ok := s.p.Config.Scripts.(platform.ServiceScriptRunner)
	if !ok {
		return nil, platform.Errorf(http.StatusServiceUnavailable, "Scripting is disabled on this server: service '%s' cannot run.", s.name)
	}
	content, _ := s.config["content"].(string)
	opts, _ := s.config["config"].(map[string]any)
	script := platform.ServiceScript{Service: s.name, Type: s.typ, Content: content, Config: opts}
	if queued, _ := s.config["queued"].(bool); queued {
		q, ok := runner.(platform.ServiceScriptQueuer)
		if !ok {
			return nil, platform.Errorf(http.StatusServiceUnavailable, "This server cannot queue scripts: service '%s' cannot run.", s.name)
		}
		if err := q.EnqueueService(ctx, script, req); err != nil {
			return nil, err
		}
		return &platform.Response{Status: http.StatusAccepted, Content: platform.Success()}, nil
	}
	return runner.RunService(ctx, script, req)
}
