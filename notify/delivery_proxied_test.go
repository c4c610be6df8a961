package notify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/notify"
)

// The engine's pagerduty, pagerdutyv2, pushover and telegram services have no option for
// another URL: their client libraries post to the public hosts (go-pagerduty
// api.pagerduty.com and events.pagerduty.com, gregdel/pushover api.pushover.net,
// telegram-bot-api api.telegram.org). What every one of them does honour, as the
// controller does, is the standard proxy environment. So these tests run the delivery in a
// child process of the test binary whose HTTPS_PROXY is a loopback proxy, and whose only
// trusted CA (SSL_CERT_FILE, and an empty SSL_CERT_DIR) is the test's: the proxy accepts
// the CONNECT to the public host, terminates TLS with a certificate for that host signed
// by the CA, and answers as the service does. The engine's code runs unchanged, over
// HTTPS, to the host it names; no request can leave the machine, and none could be
// verified if it did. A child process, because Go reads the proxy environment and the
// system roots once per process.

// proxiedHit is one request that arrived through the proxy's TLS tunnel.
type proxiedHit struct {
	host string // the tunnel's TLS server name
	hit
}

// tlsProxy is a loopback HTTPS proxy that serves the tunnelled requests itself.
type tlsProxy struct {
	url    string
	caFile string
	caDir  string

	mu       sync.Mutex
	connects []string
	hits     []proxiedHit
}

func (p *tlsProxy) requests() ([]string, []proxiedHit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.connects...), append([]proxiedHit(nil), p.hits...)
}

// tunnels hands the CONNECTed connections to the TLS server.
type tunnels struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func (l *tunnels) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}
func (l *tunnels) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *tunnels) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// startTLSProxy starts the proxy; answer serves every tunnelled request (a handler that
// hijacks the connection and closes it breaks the request mid-way).
func startTLSProxy(t *testing.T, answer func(w http.ResponseWriter, h proxiedHit)) *tlsProxy {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ck8sargo test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	dir := t.TempDir()
	p := &tlsProxy{caFile: filepath.Join(dir, "ca.pem"), caDir: filepath.Join(dir, "no-certs")}
	require.NoError(t, os.WriteFile(p.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600))
	require.NoError(t, os.Mkdir(p.caDir, 0o700))

	var certMu sync.Mutex
	certs := map[string]*tls.Certificate{}
	leaf := func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		certMu.Lock()
		defer certMu.Unlock()
		if c, ok := certs[hello.ServerName]; ok {
			return c, nil
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: serial, Subject: pkix.Name{CommonName: hello.ServerName}, DNSNames: []string{hello.ServerName},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, err
		}
		c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
		certs[hello.ServerName] = c
		return c, nil
	}

	tl := &tunnels{ch: make(chan net.Conn), done: make(chan struct{})}
	inner := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			h := proxiedHit{host: r.TLS.ServerName, hit: hit{r.Method, r.URL.Path, r.Header.Clone(), body}}
			p.mu.Lock()
			p.hits = append(p.hits, h)
			p.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			answer(w, h)
		}),
		TLSConfig:         &tls.Config{GetCertificate: leaf, MinVersion: tls.VersionTLS12},
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){}, // HTTP/1.1, so that a handler can hijack
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = inner.ServeTLS(tl, "", "") }()
	t.Cleanup(func() { _ = inner.Close(); _ = tl.Close() })

	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "this proxy only tunnels", http.StatusMethodNotAllowed)
			return
		}
		p.mu.Lock()
		p.connects = append(p.connects, r.Host)
		p.mu.Unlock()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
			_ = conn.Close()
			return
		}
		select {
		case tl.ch <- conn:
		case <-tl.done:
			_ = conn.Close()
		}
	}))
	t.Cleanup(outer.Close)
	p.url = outer.URL
	return p
}

// hangUp breaks the request: the client sees the connection end without an answer.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// proxiedCase is a service whose endpoint is its public host, seen through the proxy.
type proxiedCase struct {
	spec        func() (notify.ServiceSpec, error)
	template    string // appended to template.app-sync-failed
	recipient   string
	secret      string // the credential in the Secret, which no error may hold
	connect     string // the host:port the engine tunnels to
	answer      func(w http.ResponseWriter, h proxiedHit, refuse bool)
	check       func(t *testing.T, hits []proxiedHit)
	refusedWant string // in the error when the endpoint refuses
}

const (
	pdV2RoutingKey = "R02ShopOnCallRoutingKey00000abcd"
	pdRESTToken    = "u+pdRestApiToken_7h3Xq"
	pushoverToken  = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
	pushoverUser   = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
	telegramToken  = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
)

var proxiedCases = map[string]proxiedCase{
	"pagerdutyv2": {
		spec: func() (notify.ServiceSpec, error) {
			return notify.KeyedService("pagerdutyv2", notify.KeyedSecretsOptions{Secrets: map[string][]byte{"shop-oncall": []byte(pdV2RoutingKey)}})
		},
		template: `pagerdutyv2:
  summary: 'Sync of {{.app.metadata.name}} failed'
  severity: error
  source: '{{.app.metadata.name}}'
  component: '{{.app.spec.destination.namespace}}'
  url: '{{.context.argocdUrl}}/applications/{{.app.metadata.name}}'
`,
		recipient: "shop-oncall", secret: pdV2RoutingKey, connect: "events.pagerduty.com:443",
		answer: func(w http.ResponseWriter, h proxiedHit, refuse bool) {
			if refuse {
				var ev struct {
					RoutingKey string `json:"routing_key"`
				}
				_ = json.Unmarshal(h.body, &ev)
				w.WriteHeader(http.StatusBadRequest)
				_, _ = fmt.Fprintf(w, `{"status":"invalid event","message":"Event object is invalid","errors":["Invalid routing key %s"]}`, ev.RoutingKey)
				return
			}
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, `{"status":"success","message":"Event processed","dedup_key":"d1"}`)
		},
		check: func(t *testing.T, hits []proxiedHit) {
			require.Len(t, hits, 1)
			h := hits[0]
			assert.Equal(t, "events.pagerduty.com", h.host)
			assert.Equal(t, http.MethodPost+" /v2/enqueue", h.method+" "+h.path)
			ev := h.json(t)
			assert.Equal(t, pdV2RoutingKey, ev["routing_key"], "the recipient's integration key")
			assert.Equal(t, "trigger", ev["event_action"])
			assert.Equal(t, "ArgoCD", ev["client"])
			assert.Equal(t, "https://argocd.example.com/applications/shop", ev["client_url"])
			assert.Equal(t, map[string]any{"summary": "Sync of shop failed", "severity": "error", "source": "shop", "component": "shop"}, ev["payload"])
		},
		refusedWant: "Event object is invalid",
	},
	"pagerduty": {
		spec: func() (notify.ServiceSpec, error) {
			return notify.FieldService("pagerduty", "", map[string]string{"service-id": "PSHOP01", "from": "oncall@example.com"}, map[string][]byte{"token-file": []byte(pdRESTToken)})
		},
		template: `pagerduty:
  title: 'Sync of {{.app.metadata.name}} failed'
  urgency: high
  body: '{{.app.status.operationState.message}}'
`,
		// The engine opens the incident on the service named by the recipient.
		recipient: "PSHOP01", secret: pdRESTToken, connect: "api.pagerduty.com:443",
		answer: func(w http.ResponseWriter, h proxiedHit, refuse bool) {
			if refuse {
				w.WriteHeader(http.StatusUnauthorized)
				_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": "Invalid " + h.header.Get("Authorization"), "code": 2006}})
				return
			}
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"incident":{"id":"Q1","incident_number":7,"title":"Sync of shop failed"}}`)
		},
		check: func(t *testing.T, hits []proxiedHit) {
			require.Len(t, hits, 1)
			h := hits[0]
			assert.Equal(t, "api.pagerduty.com", h.host)
			assert.Equal(t, http.MethodPost+" /incidents", h.method+" "+h.path)
			assert.Equal(t, "Token token="+pdRESTToken, h.header.Get("Authorization"))
			assert.Equal(t, "oncall@example.com", h.header.Get("From"))
			inc, _ := h.json(t)["incident"].(map[string]any)
			require.NotNil(t, inc, string(h.body))
			assert.Equal(t, "Sync of shop failed", inc["title"])
			assert.Equal(t, "high", inc["urgency"])
			assert.Equal(t, map[string]any{"id": "PSHOP01", "type": "service_reference"}, inc["service"])
			body, _ := inc["body"].(map[string]any)
			assert.Equal(t, `one or more "objects" failed`, body["details"])
		},
		refusedWant: "2006",
	},
	"pushover": {
		spec: func() (notify.ServiceSpec, error) {
			return notify.FieldService("pushover", "", nil, map[string][]byte{"token-file": []byte(pushoverToken)})
		},
		recipient: pushoverUser, secret: pushoverToken, connect: "api.pushover.net:443",
		answer: func(w http.ResponseWriter, h proxiedHit, refuse bool) {
			if refuse {
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]any{"status": 0, "token": "invalid", "request": "r2",
					"errors": []string{"application token is invalid: " + h.form().Get("token")}})
				return
			}
			// The client reads the application's limits from these on every message.
			w.Header().Set("X-Limit-App-Limit", "10000")
			w.Header().Set("X-Limit-App-Remaining", "9999")
			w.Header().Set("X-Limit-App-Reset", "1767225600")
			_, _ = io.WriteString(w, `{"status":1,"request":"r1"}`)
		},
		check: func(t *testing.T, hits []proxiedHit) {
			require.Len(t, hits, 1)
			h := hits[0]
			assert.Equal(t, "api.pushover.net", h.host)
			assert.Equal(t, http.MethodPost+" /1/messages.json", h.method+" "+h.path)
			f := h.form()
			assert.Equal(t, pushoverToken, f.Get("token"))
			assert.Equal(t, pushoverUser, f.Get("user"), "the recipient is the user key")
			assert.Contains(t, f.Get("message"), "The sync operation of application shop has failed")
		},
		refusedWant: "application token is invalid",
	},
	"telegram": {
		spec: func() (notify.ServiceSpec, error) {
			return notify.TokenService("telegram", notify.TokenOptions{Token: []byte(telegramToken)})
		},
		recipient: "shop_deploys", secret: telegramToken, connect: "api.telegram.org:443",
		answer: func(w http.ResponseWriter, h proxiedHit, refuse bool) {
			switch {
			case refuse:
				// The bot token is in the request path: a broken request puts the URL,
				// and so the token, into the error.
				hangUp(w)
			case strings.HasSuffix(h.path, "/getMe"):
				_, _ = io.WriteString(w, `{"ok":true,"result":{"id":123456789,"is_bot":true,"first_name":"Argo CD","username":"argocd_bot"}}`)
			default:
				_, _ = io.WriteString(w, `{"ok":true,"result":{"message_id":1,"date":1767225600,"chat":{"id":-1001,"type":"channel","title":"shop deploys"}}}`)
			}
		},
		check: func(t *testing.T, hits []proxiedHit) {
			require.Len(t, hits, 2, "the bot checks its token (getMe), then sends")
			assert.Equal(t, "/bot"+telegramToken+"/getMe", hits[0].path)
			h := hits[1]
			assert.Equal(t, "api.telegram.org", h.host)
			assert.Equal(t, http.MethodPost+" /bot"+telegramToken+"/sendMessage", h.method+" "+h.path)
			f := h.form()
			assert.Equal(t, "@shop_deploys", f.Get("chat_id"), "a recipient without a minus sign is a public channel")
			assert.Equal(t, "Markdown", f.Get("parse_mode"))
			assert.Contains(t, f.Get("text"), "The sync operation of application shop has failed")
		},
		refusedWant: "EOF",
	},
}

// TestProxiedDeliveryHelperProcess is the child process of
// TestServicesWithoutAURLOptionDeliverToTheirPublicHostThroughAProxy; it does nothing in
// a test run of its own.
func TestProxiedDeliveryHelperProcess(t *testing.T) {
	name, out := os.Getenv("CK8SARGO_PROXIED_CASE"), os.Getenv("CK8SARGO_PROXIED_OUT")
	if name == "" || out == "" {
		t.Skip("the child process of TestServicesWithoutAURLOptionDeliverToTheirPublicHostThroughAProxy")
	}
	c, ok := proxiedCases[name]
	require.True(t, ok, name)
	spec, err := c.spec()
	require.NoError(t, err)
	cfg := catalogWith(t, spec)
	cfg.Data["template.app-sync-failed"] += c.template
	app := failedApp(t, map[string]string{"notifications.argoproj.io/subscribe.on-sync-failed." + name: c.recipient})
	raw, err := json.Marshal(deliveries(t, cfg, app))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(out, raw, 0o600))
}

func TestServicesWithoutAURLOptionDeliverToTheirPublicHostThroughAProxy(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	for _, name := range []string{"pagerduty", "pagerdutyv2", "pushover", "telegram"} {
		c := proxiedCases[name]
		bothWays(t, name, name+", "+refusedNamesNoCredential, func(t *testing.T, refuse bool) {
			p := startTLSProxy(t, func(w http.ResponseWriter, h proxiedHit) { c.answer(w, h, refuse) })
			out := filepath.Join(t.TempDir(), "deliveries.json")
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, exe, "-test.run=^TestProxiedDeliveryHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(),
				"CK8SARGO_PROXIED_CASE="+name, "CK8SARGO_PROXIED_OUT="+out,
				"HTTPS_PROXY="+p.url, "https_proxy="+p.url, "NO_PROXY=", "no_proxy=",
				"SSL_CERT_FILE="+p.caFile, "SSL_CERT_DIR="+p.caDir)
			stdout, err := cmd.CombinedOutput()
			require.NoError(t, err, "child process:\n%s", stdout)
			raw, err := os.ReadFile(out)
			require.NoError(t, err, "child process:\n%s", stdout)
			var ds []notify.Delivery
			require.NoError(t, json.Unmarshal(raw, &ds))
			require.Len(t, ds, 1)
			d := ds[0]
			require.Empty(t, d.RenderError)
			require.Empty(t, d.Undeliverable)

			connects, hits := p.requests()
			require.NotEmpty(t, connects, "the engine went through the proxy")
			for _, host := range connects {
				assert.Equal(t, c.connect, host, "the engine's hard-coded public host")
			}
			if refuse {
				require.NotEmpty(t, d.SendError)
				assertRefused(t, d, c.refusedWant)
				assert.NotContains(t, d.SendError, c.secret, "the endpoint's error quoted the credential; the delivery's must not")
				assert.Contains(t, d.SendError, notify.RedactedMark, "the credential is replaced by the mark")
				return
			}
			assert.Empty(t, d.SendError)
			assert.True(t, d.Sent)
			c.check(t, hits)
		})
	}
}
