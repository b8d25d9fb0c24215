package platform

import "testing"

func TestEventBase(t *testing.T) {
	for name, want := range map[string]string{
		"db._table.contact.get.pre_process":     "db._table.contact",
		"db._table.{table_name}.post.queued":    "db._table.{table_name}",
		"system.role.{id}.patch.post_process":   "system.role.{id}",
		"db.get.pre_process":                    "db",
		"get.pre_process":                       "", // no base
		".get.pre_process":                      "",
		"db._table.contact.get":                 "", // no phase
		"db._table.contact.get.pre_process_all": "",
		"db._table.contact.get_pre_process":     "",
		"":                                      "",
	} {
		if got := EventBase(name); got != want {
			t.Errorf("EventBase(%q) = %q, want %q", name, got, want)
		}
	}
}
