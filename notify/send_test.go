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
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
)

// received is one message an SMTP test server accepted.
type received struct {
	user, password string
	from           string
	rcpts          []string
	tls            bool
	msg            *mail.Message
	body           string
}

// smtpServer is a real SMTP server (go-smtp) on a loopback address, requiring a login
// over TLS: implicit TLS, or STARTTLS.
type smtpServer struct {
	mu   sync.Mutex
	msgs []received
	host string
	port int
}

type smtpSession struct {
	srv  *smtpServer
	conn *smtp.Conn
	cur  received
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "sender@example.com" {
			return errors.New("unknown user")
		}
		s.cur.user, s.cur.password = username, password
		return nil
	}), nil
}
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.rcpts = append(s.cur.rcpts, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(m.Body)
	if err != nil {
		return err
	}
	_, s.cur.tls = s.conn.TLSConnectionState()
	s.cur.msg, s.cur.body = m, string(body)
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.cur)
	s.srv.mu.Unlock()
	s.cur = received{user: s.cur.user, password: s.cur.password}
	return nil
}
func (s *smtpSession) Reset()        { s.cur = received{user: s.cur.user, password: s.cur.password} }
func (s *smtpSession) Logout() error { return nil }

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// startSMTP serves on port of a random 127.x.y.z address: the engine chooses implicit TLS
// by the port number (465), so the test server must listen on the real port, and a private
// loopback address keeps parallel runs apart.
func startSMTP(t *testing.T, port int, implicitTLS bool) *smtpServer {
	t.Helper()
	srv := &smtpServer{port: port}
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: srv, conn: c}, nil })
	s := smtp.NewServer(be)
	s.Domain = "mail.test"
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	s.AllowInsecureAuth = false // a login only after TLS: proves STARTTLS was used
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	var l net.Listener
	var err error
	for i := 0; i < 20; i++ {
		n, _ := rand.Int(rand.Reader, big.NewInt(250*250))
		srv.host = fmt.Sprintf("127.%d.%d.%d", 1+n.Int64()/250, 1+n.Int64()%250, 1+i)
		addr := net.JoinHostPort(srv.host, fmt.Sprint(port))
		if implicitTLS {
			l, err = tls.Listen("tcp", addr, s.TLSConfig)
		} else {
			l, err = net.Listen("tcp", addr)
		}
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	require.NoError(t, err, "listening on port %d needs the right to bind privileged ports (root or CAP_NET_BIND_SERVICE)", port)
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return srv
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"mail.test"}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// failedApp is an Application whose sync has failed, subscribed as the annotations say.
func failedApp(t *testing.T, annotations map[string]string) *argocdmanaged.Application {
	t.Helper()
	st := appState{name: "sync failed", status: `{"sync":{"status":"OutOfSync","revision":"abc123"},"health":{"status":"Degraded"},"operationState":` + op("Failed", t0, t1) + `}`}
	app := mustApp(t, st.object())
	app.Annotations = annotations
	return app
}

func catalogWith(t *testing.T, specs ...notify.ServiceSpec) *notify.Config {
	t.Helper()
	cfg := projectCatalog()
	require.NoError(t, cfg.SetContext("argocdUrl", "https://argocd.example.com"))
	for _, s := range specs {
		require.NoError(t, cfg.AddService(s, false))
	}
	return cfg
}

func send(t *testing.T, cfg *notify.Config, app *argocdmanaged.Application) *notify.Evaluation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ev, err := notify.Evaluate(ctx, cfg, app, notify.EvaluateOptions{Send: true})
	require.NoError(t, err)
	for _, tr := range ev.Triggers {
		for _, d := range tr.Deliveries {
			require.Empty(t, d.RenderError, "%s to %s", d.Service, d.Recipient)
		}
	}
	for _, tr := range ev.Triggers {
		for _, d := range tr.Deliveries {
			require.Empty(t, d.SendError, "%s to %s", d.Service, d.Recipient)
			require.True(t, d.Sent)
		}
	}
	return ev
}

func TestEmailIsDeliveredThroughARealSMTPServerWithImplicitTLSAndSTARTTLS(t *testing.T) {
	const password = "app password with spaces"
	tests := []struct {
		name     string
		port     int
		implicit bool
	}{
		{"port 465 is implicit TLS", 465, true},
		{"port 587 is STARTTLS", 587, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSMTP(t, tt.port, tt.implicit)
			spec, err := notify.EmailService(notify.EmailOptions{
				Host: srv.host, Port: tt.port, Username: "sender@example.com", Password: []byte(password),
				InsecureSkipVerify: true, // the test server's certificate is self-signed
			})
			require.NoError(t, err)
			assert.Contains(t, strings.Join(spec.Warnings, " "), "app password")
			cfg := catalogWith(t, spec)
			assert.Equal(t, []byte(password), cfg.SecretData["email-password"], "the Secret holds the exact bytes")

			app := failedApp(t, map[string]string{
				"notifications.argoproj.io/subscribe.on-sync-failed.email": "dev@example.com;ops@example.com",
			})
			send(t, cfg, app)

			msgs := srv.messages()
			require.Len(t, msgs, 2, "one message per recipient, as the controller sends")
			var rcpts []string
			for _, m := range msgs {
				assert.True(t, m.tls, "delivered over TLS")
				assert.Equal(t, "sender@example.com", m.user)
				assert.Equal(t, password, m.password, "the password arrives as stored, without a newline")
				assert.Equal(t, "sender@example.com", m.from)
				rcpts = append(rcpts, m.rcpts...)
				assert.Equal(t, "Failed to sync application shop.", m.msg.Header.Get("Subject"))
				body, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m.body)))
				require.NoError(t, err, "quoted-printable body")
				assert.Contains(t, string(body), "The sync operation of application shop has failed")
				assert.Contains(t, string(body), "https://argocd.example.com/applications/shop?operation=true")
			}
			assert.ElementsMatch(t, []string{"dev@example.com", "ops@example.com"}, rcpts)
		})
	}
}

// endpoint is a recorder that answers every request with reply.
func endpoint(t *testing.T, reply string) (*httptest.Server, func() []hit) {
	t.Helper()
	return recorder(t, func(w http.ResponseWriter, _ hit) { _, _ = io.WriteString(w, reply) })
}

// loopback is one service delivered to its own loopback endpoint: the endpoint's reply,
// the service built against the endpoint's URL, the recipient the Application subscribes,
// and the check of the one request the service must make.
type loopback struct {
	reply     string
	service   func(url string) (notify.ServiceSpec, error)
	recipient string
	check     func(t *testing.T, r hit)
}

// deliverOnLoopback subscribes one failed Application to every service (keyed by the name
// it subscribes as) in one catalog, with extra appended to the sync-failed template, sends,
// and checks that each endpoint got exactly one request.
func deliverOnLoopback(t *testing.T, extra string, services map[string]loopback) {
	t.Helper()
	var specs []notify.ServiceSpec
	got := map[string]func() []hit{}
	annotations := map[string]string{}
	for name, l := range services {
		srv, reqs := endpoint(t, l.reply)
		spec, err := l.service(srv.URL)
		require.NoError(t, err, name)
		specs = append(specs, spec)
		got[name] = reqs
		annotations["notifications.argoproj.io/subscribe.on-sync-failed."+name] = l.recipient
	}
	cfg := catalogWith(t, specs...)
	cfg.Data["template.app-sync-failed"] += extra
	send(t, cfg, failedApp(t, annotations))
	for name, l := range services {
		t.Run(name, func(t *testing.T) {
			reqs := got[name]()
			require.Len(t, reqs, 1)
			l.check(t, reqs[0])
		})
	}
}

func TestWebhookIsDeliveredWithTheTemplateBodyAndSecretHeader(t *testing.T) {
	deliverOnLoopback(t, `webhook:
  deploy-log:
    method: POST
    path: /argocd
    body: '{"app": {{toJson .app.metadata.name}}, "phase": {{toJson (dig "status" "operationState" "phase" "" .app)}}}'
`, map[string]loopback{"deploy-log": {
		reply: "ok",
		service: func(url string) (notify.ServiceSpec, error) {
			return notify.WebhookService(notify.WebhookOptions{Name: "deploy-log", URL: url + "/hooks",
				Headers:       map[string]string{"Content-Type": "application/json"},
				SecretHeaders: map[string][]byte{"Authorization": []byte("Bearer s3cret")}})
		},
		check: func(t *testing.T, r hit) {
			assert.Equal(t, http.MethodPost, r.method)
			assert.Equal(t, "/hooks/argocd", r.path)
			assert.Equal(t, "Bearer s3cret", r.header.Get("Authorization"))
			assert.JSONEq(t, `{"app":"shop","phase":"Failed"}`, string(r.body))
		},
	}})
}

func TestSlackMessageIsPostedToASlackShapedAPI(t *testing.T) {
	deliverOnLoopback(t, "", map[string]loopback{"slack": {
		reply: `{"ok":true,"channel":"C1","ts":"1700000000.000100"}`,
		service: func(url string) (notify.ServiceSpec, error) {
			return notify.SlackService(notify.SlackOptions{Token: []byte("xoxb-test-token"), APIURL: url})
		},
		recipient: "shop-alerts",
		check: func(t *testing.T, r hit) {
			assert.Equal(t, "/chat.postMessage", r.path)
			assert.Equal(t, "xoxb-test-token", r.form().Get("token")+strings.TrimPrefix(r.header.Get("Authorization"), "Bearer "))
			assert.Equal(t, "shop-alerts", r.form().Get("channel"))
			assert.Contains(t, r.form().Get("text"), "The sync operation of application shop has failed")
			var attachments []map[string]any
			require.NoError(t, json.Unmarshal([]byte(r.form().Get("attachments")), &attachments))
			require.Len(t, attachments, 1)
			assert.Equal(t, "shop", attachments[0]["title"])
		},
	}})
}

func TestTeamsMessageIsPostedToATeamsShapedWebhook(t *testing.T) {
	deliverOnLoopback(t, "", map[string]loopback{"teams": {
		reply: "1", // Teams answers "1" on success
		service: func(url string) (notify.ServiceSpec, error) {
			return notify.KeyedService("teams", notify.KeyedSecretsOptions{Secrets: map[string][]byte{"ops": []byte(url + "/webhookb2/abc")}})
		},
		recipient: "ops",
		check: func(t *testing.T, r hit) {
			assert.Equal(t, "/webhookb2/abc", r.path)
			var card map[string]any
			require.NoError(t, json.Unmarshal(r.body, &card), string(r.body))
			assert.Equal(t, "MessageCard", card["@type"])
			assert.Equal(t, "Failed to sync application shop.", card["title"])
			facts := card["sections"].([]any)[0].(map[string]any)["facts"].([]any)
			assert.Contains(t, facts, map[string]any{"name": "Failed at", "value": "2026-01-01T10:05:00Z"})
			actions := card["potentialAction"].([]any)
			assert.Equal(t, "Open Operation", actions[0].(map[string]any)["name"])
		},
	}})
}

func TestMattermostAndAlertmanagerAndGoogleChatAreDeliveredOnLoopback(t *testing.T) {
	deliverOnLoopback(t, `alertmanager:
  labels:
    alertname: ArgoCDSyncFailed
    app: '{{.app.metadata.name}}'
`, map[string]loopback{
		"mattermost": {
			reply: `{"id":"p1"}`,
			service: func(url string) (notify.ServiceSpec, error) {
				return notify.TokenService("mattermost", notify.TokenOptions{Token: []byte("mm-token"), APIURL: url})
			},
			recipient: "channel-id",
			check: func(t *testing.T, r hit) {
				assert.Equal(t, "/api/v4/posts", r.path)
				assert.Equal(t, "Bearer mm-token", r.header.Get("Authorization"))
				assert.Contains(t, string(r.body), `"channel_id":"channel-id"`)
			},
		},
		"alertmanager": {
			reply: `{}`,
			service: func(url string) (notify.ServiceSpec, error) {
				return notify.AlertmanagerService(notify.AlertmanagerOptions{Targets: []string{strings.TrimPrefix(url, "http://")}, Scheme: "http"})
			},
			check: func(t *testing.T, r hit) {
				assert.Equal(t, "/api/v2/alerts", r.path)
				assert.Contains(t, string(r.body), `"alertname":"ArgoCDSyncFailed"`)
			},
		},
		"googlechat": {
			reply: `{"name":"spaces/x/messages/y"}`,
			service: func(url string) (notify.ServiceSpec, error) {
				return notify.KeyedService("googlechat", notify.KeyedSecretsOptions{Secrets: map[string][]byte{"team": []byte(url + "/v1/spaces/x/messages")}})
			},
			recipient: "team",
			check: func(t *testing.T, r hit) {
				assert.Contains(t, string(r.body), "The sync operation of application shop has failed")
			},
		},
	})
}

func TestOpsgenieAlertIsCreatedOnAnOpsgenieShapedAPI(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/v2/alerts" || r.Header.Get("Authorization") != "GenieKey og-key" || !strings.Contains(string(body), "sync operation of application shop") {
			http.Error(w, "unexpected request "+r.URL.Path+" "+string(body), http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Request-Id", "r1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"result":"Request will be processed","took":0.1,"requestId":"r1"}`)
	}))
	t.Cleanup(srv.Close)
	// The Opsgenie client takes a host and uses plain http for hosts without "api" in
	// them, which is what lets it talk to a loopback server.
	spec, err := notify.KeyedService("opsgenie", notify.KeyedSecretsOptions{APIURL: srv.URL, Secrets: map[string][]byte{"ops": []byte("og-key")}})
	require.NoError(t, err)
	assert.Equal(t, strings.TrimPrefix(srv.URL, "http://"), spec.Options["apiUrl"])
	cfg := catalogWith(t, spec)
	app := failedApp(t, map[string]string{"notifications.argoproj.io/subscribe.on-sync-failed.opsgenie": "ops"})
	send(t, cfg, app)
}
