package notify_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/notify"
)

// hit is one HTTP request a recording test server received, with every header.
type hit struct {
	method, path string
	header       http.Header
	body         []byte
}

func (h hit) form() url.Values {
	v, _ := url.ParseQuery(string(h.body))
	return v
}

func (h hit) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(h.body, &m), string(h.body))
	return m
}

// recorder serves with answer and records every request.
func recorder(t *testing.T, answer func(w http.ResponseWriter, h hit)) (*httptest.Server, func() []hit) {
	t.Helper()
	var mu sync.Mutex
	var hits []hit
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := hit{r.Method, r.URL.Path, r.Header.Clone(), body}
		mu.Lock()
		hits = append(hits, h)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		answer(w, h)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []hit {
		mu.Lock()
		defer mu.Unlock()
		return append([]hit(nil), hits...)
	}
}

func TestRocketChatMessageIsPostedAfterALoginOnARocketChatShapedServer(t *testing.T) {
	const password = "rc-bot-password-91"
	bothWays(t, "delivered", "login "+refusedNamesNoCredential, func(t *testing.T, refuse bool) {
		srv, got := recorder(t, func(w http.ResponseWriter, h hit) {
			switch {
			case h.path == "/api/v1/login" && refuse:
				// A server that quotes what it was sent in its error.
				w.WriteHeader(http.StatusUnauthorized)
				_ = json.NewEncoder(w).Encode(map[string]string{"status": "error", "message": "Unauthorized: " + h.form().Get("user") + " / " + h.form().Get("password")})
			case h.path == "/api/v1/login":
				_, _ = io.WriteString(w, `{"status":"success","data":{"userId":"bot-user-id","authToken":"session-token-1"}}`)
			case h.path == "/api/v1/chat.postMessage":
				_, _ = io.WriteString(w, `{"success":true,"message":{"_id":"m1","rid":"r1","msg":"x"}}`)
			default:
				w.WriteHeader(http.StatusNotFound)
			}
		})
		spec, err := notify.FieldService("rocketchat", "", map[string]string{
			"server-url": srv.URL, "email": "bot@example.com", "alias": "Argo CD", "icon": ":rocket:",
		}, map[string][]byte{"password-file": []byte(password)})
		require.NoError(t, err)
		d := sendOneTo(t, spec, "", "#deployments")

		hits := got()
		require.NotEmpty(t, hits)
		login := hits[0]
		assert.Equal(t, http.MethodPost, login.method)
		assert.Equal(t, "/api/v1/login", login.path)
		assert.Equal(t, "bot@example.com", login.form().Get("user"))
		assert.Equal(t, password, login.form().Get("password"))
		if refuse {
			assertRefused(t, d, "Unauthorized")
			assert.NotContains(t, d.SendError, password, "the server quoted the password; the error must not")
			assert.Len(t, hits, 1, "nothing is posted without a login")
			return
		}
		require.Empty(t, d.SendError)
		require.Len(t, hits, 2)
		post := hits[1]
		assert.Equal(t, "/api/v1/chat.postMessage", post.path)
		assert.Equal(t, "session-token-1", post.header.Get("X-Auth-Token"), "the session from the login")
		assert.Equal(t, "bot-user-id", post.header.Get("X-User-Id"))
		msg := post.json(t)
		assert.Equal(t, "#deployments", msg["channel"], "a # recipient is a channel, not a room ID")
		assert.Equal(t, "Argo CD", msg["alias"])
		assert.Equal(t, ":rocket:", msg["emoji"])
		assert.Contains(t, msg["text"], "The sync operation of application shop has failed")
		assert.NotContains(t, string(post.body), password)
	})
}

// rsaKeyPEM is a GitHub App private key, as GitHub hands it out (PKCS #1).
func rsaKeyPEM(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// verifyAppJWT checks that a GitHub App JWT is signed by key and returns its claims.
func verifyAppJWT(t *testing.T, key *rsa.PrivateKey, auth string) map[string]any {
	t.Helper()
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	require.True(t, ok, "the installation token is asked for with the App's JWT: %q", auth)
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	require.NoError(t, rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig), "RS256 with the App's key")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(raw, &claims))
	return claims
}

// The engine talks to GitHub Enterprise at enterpriseBaseURL, for the installation token
// as for the API, so a GitHub-shaped server on loopback sees all of it.
func TestGitHubCommitStatusIsSetThroughAGitHubAppOnAGitHubShapedServer(t *testing.T) {
	key, keyPEM := rsaKeyPEM(t)
	bothWays(t, "delivered", "installation token "+refusedNamesNoCredential, func(t *testing.T, refuse bool) {
		srv, got := recorder(t, func(w http.ResponseWriter, h hit) {
			switch {
			case h.path == "/api/v3/app/installations/4242/access_tokens" && refuse:
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = fmt.Fprintf(w, `{"message":"A JSON web token could not be decoded: %s","documentation_url":"https://docs.github.com/rest"}`, h.header.Get("Authorization"))
			case h.path == "/api/v3/app/installations/4242/access_tokens":
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, `{"token":"ghs_installation_token_1","expires_at":"2099-01-01T00:00:00Z"}`)
			case h.path == "/api/v3/repos/acme/shop/statuses/abc123":
				w.WriteHeader(http.StatusCreated)
				_, _ = io.WriteString(w, `{"id":1,"state":"failure"}`)
			default:
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"message":"Not Found"}`)
			}
		})
		spec, err := notify.GitHubService(notify.GitHubOptions{AppID: "1234", InstallationID: "4242", PrivateKey: keyPEM, EnterpriseBaseURL: srv.URL + "/api/v3"})
		require.NoError(t, err)
		d := sendOneTo(t, spec, `github:
  repoURLPath: 'https://github.example.com/acme/{{.app.metadata.name}}.git'
  status:
    state: failure
    label: 'continuous-delivery/{{.app.metadata.name}}'
    targetURL: '{{.context.argocdUrl}}/applications/{{.app.metadata.name}}?operation=true'
`, "")

		hits := got()
		require.NotEmpty(t, hits)
		tokenReq := hits[0]
		assert.Equal(t, http.MethodPost, tokenReq.method)
		assert.Equal(t, "/api/v3/app/installations/4242/access_tokens", tokenReq.path)
		claims := verifyAppJWT(t, key, tokenReq.header.Get("Authorization"))
		assert.Equal(t, "1234", fmt.Sprint(claims["iss"]), "the App ID is the JWT's issuer")
		if refuse {
			assertRefused(t, d, "401")
			for _, line := range strings.Split(strings.TrimSpace(string(keyPEM)), "\n")[1:5] {
				assert.NotContains(t, d.SendError, line, "no part of the private key")
			}
			assert.Len(t, hits, 1, "no API call without an installation token")
			return
		}
		require.Empty(t, d.SendError)
		require.Len(t, hits, 2)
		status := hits[1]
		assert.Equal(t, http.MethodPost, status.method)
		assert.Equal(t, "/api/v3/repos/acme/shop/statuses/abc123", status.path, "the repository and the synced revision")
		assert.Equal(t, "token ghs_installation_token_1", status.header.Get("Authorization"))
		body := status.json(t)
		assert.Equal(t, "failure", body["state"])
		assert.Equal(t, "continuous-delivery/shop", body["context"])
		assert.Equal(t, "https://argocd.example.com/applications/shop?operation=true", body["target_url"])
		assert.Contains(t, body["description"], "The sync operation of application shop has failed")
		assert.LessOrEqual(t, len([]rune(body["description"].(string))), 140, "GitHub's limit, which the engine applies")
	})
}
