// Package valstest serves the part of Vault's HTTP API that vals uses, for tests.
package valstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// KVServer speaks the part of Vault's HTTP API that vals uses to read a KV version 2
// secret: the mount preflight (sys/internal/ui/mounts) and GET MOUNT/data/PATH, with token
// authentication. A Vault dev server cannot be built from the module proxy (the
// github.com/hashicorp/vault module has replace directives), so this stands in for it.
type KVServer struct {
	*httptest.Server
	token   string
	mount   string
	secrets map[string]map[string]any
}

// NewKVServer serves secrets (path under the "secret/" mount → key → value) to requests
// that carry token, until the test ends.
func NewKVServer(t testing.TB, token string, secrets map[string]map[string]any) *KVServer {
	s := &KVServer{token: token, mount: "secret/", secrets: secrets}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *KVServer) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("X-Vault-Token") != s.token {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"errors":["permission denied"]}`))
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v1/")
	if p, ok := strings.CutPrefix(path, "sys/internal/ui/mounts/"); ok {
		if !strings.HasPrefix(p+"/", s.mount) {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"errors":["preflight capability check returned 403, please ensure client's policies grant access to path \"` + p + `/\""]}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{
			"path": s.mount, "type": "kv", "options": map[string]any{"version": "2"},
		}})
		return
	}
	p, ok := strings.CutPrefix(path, s.mount+"data/")
	if r.Method != http.MethodGet || !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errors":[]}`))
		return
	}
	data, ok := s.secrets[strings.TrimSuffix(p, "/")]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errors":[]}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{
		"data": data, "metadata": map[string]any{"version": 1},
	}})
}
