package notify_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/notify"
)

// deliveries sends the Application's subscribed notifications and returns every delivery,
// failed or not.
func deliveries(t *testing.T, cfg *notify.Config, app *argocdmanaged.Application) []notify.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ev, err := notify.Evaluate(ctx, cfg, app, notify.EvaluateOptions{Send: true, SendTimeout: 30 * time.Second})
	require.NoError(t, err)
	var out []notify.Delivery
	for _, tr := range ev.Triggers {
		out = append(out, tr.Deliveries...)
	}
	return out
}

// sendOne sends the Application's one subscribed notification and returns its delivery,
// failed or not: for the tests whose endpoint refuses it.
func sendOne(t *testing.T, cfg *notify.Config, app *argocdmanaged.Application) notify.Delivery {
	t.Helper()
	out := deliveries(t, cfg, app)
	require.Len(t, out, 1)
	require.Empty(t, out[0].RenderError)
	require.Empty(t, out[0].Undeliverable)
	return out[0]
}

// sqsCall is one call of the SQS JSON protocol (AWS JSON 1.0) that the test server received.
type sqsCall struct {
	target, auth string
	body         map[string]any
}

// sqsServer speaks enough of the SQS JSON protocol, which the engine's aws-sdk-go-v2 client
// uses, to answer GetQueueUrl and SendMessage. With deny set it refuses every call as AWS
// refuses an unknown access key, quoting the key the way AWS does.
func sqsServer(t *testing.T, deny bool) (*httptest.Server, func() []sqsCall) {
	t.Helper()
	var mu sync.Mutex
	var calls []sqsCall
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		c := sqsCall{target: r.Header.Get("X-Amz-Target"), auth: r.Header.Get("Authorization")}
		_ = json.Unmarshal(raw, &c.body)
		mu.Lock()
		calls = append(calls, c)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if deny {
			keyID, _, _ := strings.Cut(strings.TrimPrefix(c.auth, "AWS4-HMAC-SHA256 Credential="), "/")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{
				"__type":  "com.amazon.coral.service#UnrecognizedClientException",
				"message": "The security token included in the request is invalid: " + keyID,
			})
			return
		}
		switch c.target {
		case "AmazonSQS.GetQueueUrl":
			name, _ := c.body["QueueName"].(string)
			_ = json.NewEncoder(w).Encode(map[string]string{"QueueUrl": srv.URL + "/123456789012/" + name})
		case "AmazonSQS.SendMessage":
			// The client checks the MD5 of the body against the one the server computed.
			sum := md5.Sum([]byte(c.body["MessageBody"].(string)))
			_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": "m-1", "MD5OfMessageBody": hex.EncodeToString(sum[:])})
		default:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"com.amazonaws.sqs#InvalidAction","message":"unexpected action"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []sqsCall {
		mu.Lock()
		defer mu.Unlock()
		return append([]sqsCall(nil), calls...)
	}
}

// isolateAWS keeps the SDK's default configuration chain from reading the machine's AWS
// files and environment.
func isolateAWS(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	for _, k := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_DEFAULT_REGION", "AWS_REGION"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestAWSSQSMessageIsSentToAnSQSShapedEndpoint(t *testing.T) {
	const keyID, secretKey = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	bothWays(t, "delivered", refusedNamesNoCredential, func(t *testing.T, refuse bool) {
		isolateAWS(t)
		srv, got := sqsServer(t, refuse)
		spec, err := notify.FieldService("awssqs", "", map[string]string{
			"queue": "argocd-events", "region": "eu-north-1", "account": "123456789012", "endpoint-url": srv.URL,
		}, map[string][]byte{"access-key-id-file": []byte(keyID), "secret-access-key-file": []byte(secretKey)})
		require.NoError(t, err)
		d := sendOneTo(t, spec, "", "") // no recipient: the queue of the service options
		calls := got()
		require.NotEmpty(t, calls)
		assert.Equal(t, "AmazonSQS.GetQueueUrl", calls[0].target)
		assert.Equal(t, map[string]any{"QueueName": "argocd-events", "QueueOwnerAWSAccountId": "123456789012"}, calls[0].body)
		// SigV4: the key ID and the region are in the Authorization header; the secret
		// key only signs and never travels.
		assert.Contains(t, calls[0].auth, "Credential="+keyID+"/")
		assert.Contains(t, calls[0].auth, "/eu-north-1/sqs/aws4_request")
		for _, c := range calls {
			assert.NotContains(t, c.auth+c.target, secretKey)
		}
		if refuse {
			require.NotEmpty(t, d.SendError)
			assertRefused(t, d, "UnrecognizedClientException")
			assert.NotContains(t, d.SendError, keyID, "the server quoted the key ID; the error must not")
			assert.NotContains(t, d.SendError, secretKey)
			return
		}
		require.Empty(t, d.SendError)
		assert.True(t, d.Sent)
		require.Len(t, calls, 2)
		assert.Equal(t, "AmazonSQS.SendMessage", calls[1].target)
		assert.Equal(t, srv.URL+"/123456789012/argocd-events", calls[1].body["QueueUrl"])
		assert.Contains(t, calls[1].body["MessageBody"], "The sync operation of application shop has failed at 2026-01-01T10:05:00Z")
		assert.EqualValues(t, 10, calls[1].body["DelaySeconds"], "the engine delays every message by 10 s")
	})
}

// The engine has no endpoint option for Pub/Sub; its client (cloud.google.com/go/pubsub)
// connects to the emulator named by PUBSUB_EMULATOR_HOST, as the controller would, and
// pstest is Google's in-process emulator of the Pub/Sub gRPC API (the v2 module's: the
// wire protocol is the same, and the v1 module the engine uses is deprecated).
func TestGCPPubSubMessageIsPublishedToAnInProcessPubSubServer(t *testing.T) {
	srv := pstest.NewServer()
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv("PUBSUB_EMULATOR_HOST", srv.Addr)
	_, err := srv.GServer.CreateTopic(context.Background(), &pb.Topic{Name: "projects/platform-prod/topics/argocd-events"})
	require.NoError(t, err)

	tests := []struct {
		name, recipient, wantErr string
	}{
		{"the service's topic", "", ""},
		{"a topic that does not exist", "no-such-topic", "NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Messages())
			spec, err := notify.FieldService("gcppubsub", "", map[string]string{"project": "platform-prod", "topic": "argocd-events"}, nil)
			require.NoError(t, err)
			d := sendOneTo(t, spec, `gcppubsub:
  attributes:
    app: '{{.app.metadata.name}}'
    phase: '{{.app.status.operationState.phase}}'
`, tt.recipient)
			msgs := srv.Messages()
			if tt.wantErr != "" {
				assertRefused(t, d, tt.wantErr)
				assert.Contains(t, d.SendError, "no-such-topic", "the error names the topic")
				assert.Len(t, msgs, before)
				return
			}
			require.Empty(t, d.SendError)
			require.Len(t, msgs, before+1)
			m := msgs[len(msgs)-1]
			assert.Contains(t, string(m.Data), "The sync operation of application shop has failed")
			assert.Equal(t, map[string]string{"app": "shop", "phase": "Failed"}, m.Attributes)
		})
	}
}

// natsUser is how a test NATS server lets the notifications controller in.
type natsUser struct {
	name      string
	values    map[string]string
	secrets   map[string][]byte
	configure func(o *natsserver.Options)
	subscribe nats.Option
}

func TestNATSMessageIsPublishedToARealNATSServer(t *testing.T) {
	const password = "nats-pass-7f3c1d"
	seedKP, err := nkeys.CreateUser()
	require.NoError(t, err)
	seed, err := seedKP.Seed()
	require.NoError(t, err)
	pub, err := seedKP.PublicKey()
	require.NoError(t, err)

	users := []natsUser{
		{name: "user and password",
			values:    map[string]string{"username": "argocd"},
			secrets:   map[string][]byte{"password-file": []byte(password)},
			configure: func(o *natsserver.Options) { o.Username, o.Password = "argocd", password },
			subscribe: nats.UserInfo("argocd", password)},
		{name: "nkey",
			secrets:   map[string][]byte{"nkey-file": seed},
			configure: func(o *natsserver.Options) { o.Nkeys = []*natsserver.NkeyUser{{Nkey: pub}} },
			subscribe: nats.Nkey(pub, seedKP.Sign)},
	}
	for _, u := range users {
		bothWays(t, u.name, u.name+", "+refusedNamesNoCredential, func(t *testing.T, refused bool) {
			opts := &natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true}
			u.configure(opts)
			ns, err := natsserver.NewServer(opts)
			require.NoError(t, err)
			go ns.Start()
			t.Cleanup(ns.Shutdown)
			require.True(t, ns.ReadyForConnections(10*time.Second), "nats-server did not start")

			sub, err := nats.Connect(ns.ClientURL(), u.subscribe)
			require.NoError(t, err)
			t.Cleanup(sub.Close)
			inbox, err := sub.SubscribeSync("argocd.shop")
			require.NoError(t, err)
			require.NoError(t, sub.Flush())

			values := map[string]string{"url": ns.ClientURL()}
			for k, v := range u.values {
				values[k] = v
			}
			secrets := u.secrets
			if refused {
				// The controller holds a stale credential: the server refuses it.
				secrets = map[string][]byte{}
				for k, v := range u.secrets {
					secrets[k] = v
				}
				if _, ok := secrets["password-file"]; ok {
					secrets["password-file"] = []byte(password + "-old")
				} else {
					other, err := nkeys.CreateUser()
					require.NoError(t, err)
					secrets["nkey-file"], err = other.Seed()
					require.NoError(t, err)
				}
			}
			spec, err := notify.FieldService("nats", "", values, secrets)
			require.NoError(t, err)
			d := sendOneTo(t, spec, "", "argocd.shop")
			if refused {
				assertRefused(t, d, "Authorization Violation")
				for _, v := range secrets {
					assert.NotContains(t, d.SendError, string(v))
				}
				_, err := inbox.NextMsg(200 * time.Millisecond)
				assert.ErrorIs(t, err, nats.ErrTimeout, "nothing was published")
				return
			}
			require.Empty(t, d.SendError)
			msg, err := inbox.NextMsg(10 * time.Second)
			require.NoError(t, err)
			assert.Equal(t, "argocd.shop", msg.Subject)
			assert.Contains(t, string(msg.Data), "The sync operation of application shop has failed")
			assert.Contains(t, string(msg.Data), "https://argocd.example.com/applications/shop?operation=true")
		})
	}
}
