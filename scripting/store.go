package scripting

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// kvStore is platform.store: a small key/value store shared by every script of this server
// (DreamFactory's cache-backed store). Values are kept as JSON, so a script never shares live
// objects with another; entries expire after their TTL (default kvTTL).
type kvStore struct {
	mu   sync.Mutex
	data map[string]kvEntry
}

type kvEntry struct {
	value   []byte
	expires time.Time
}

const (
	kvTTL      = 15 * time.Minute
	kvMaxKeys  = 10000
	kvMaxValue = 64 << 10
	kvMaxKey   = 256
)

func newKVStore() *kvStore { return &kvStore{data: map[string]kvEntry{}} }

func (s *kvStore) get(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[key]
	if !ok || time.Now().After(e.expires) {
		delete(s.data, key)
		return nil, false
	}
	return e.value, true
}

func (s *kvStore) set(key string, value []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.data[key]; !exists && len(s.data) >= kvMaxKeys {
		now := time.Now()
		for k, e := range s.data {
			if now.After(e.expires) {
				delete(s.data, k)
			}
		}
		if len(s.data) >= kvMaxKeys {
			return errString("platform.store is full (10000 keys)")
		}
	}
	s.data[key] = kvEntry{value: value, expires: time.Now().Add(ttl)}
	return nil
}

func (s *kvStore) remove(key string) {
	s.mu.Lock()
	delete(s.data, key)
	s.mu.Unlock()
}

// storeObject is platform.store: get(key, default), set(key, value[, ttlSeconds]),
// delete(key). Keys are at most 256 bytes, values at most 64 KiB of JSON. A dry run lists
// changes instead of making them.
func (v *vm) storeObject() *goja.Object {
	rt := v.rt
	o := rt.NewObject()
	_ = o.Set("get", func(c goja.FunctionCall) goja.Value {
		b, ok := v.e.store.get(c.Argument(0).String())
		if !ok {
			return c.Argument(1)
		}
		var out any
		_ = json.Unmarshal(b, &out)
		return toJS(rt, out)
	})
	_ = o.Set("set", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		if len(key) > kvMaxKey {
			panic(rt.NewTypeError("platform.store.set: the key is longer than %d bytes", kvMaxKey))
		}
		b, err := json.Marshal(exported(c.Argument(1)))
		if err != nil || len(b) > kvMaxValue {
			panic(rt.NewTypeError("platform.store.set: the value must be JSON of at most %d bytes", kvMaxValue))
		}
		ttl := kvTTL
		if s := c.Argument(2).ToFloat(); s > 0 {
			ttl = time.Duration(s * float64(time.Second))
		}
		if v.run.dry != nil {
			v.run.dry.add(map[string]any{"store": "set", "key": key, "value": json.RawMessage(b)})
			return v.rt.ToValue(true)
		}
		if err := v.e.store.set(key, b, ttl); err != nil {
			panic(rt.NewTypeError("%s", err.Error()))
		}
		return v.rt.ToValue(true)
	})
	_ = o.Set("delete", func(c goja.FunctionCall) goja.Value {
		if v.run.dry != nil {
			v.run.dry.add(map[string]any{"store": "delete", "key": c.Argument(0).String()})
			return v.rt.ToValue(true)
		}
		v.e.store.remove(c.Argument(0).String())
		return v.rt.ToValue(true)
	})
	return o
}
