package sealed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
)

// ErrCannotDecrypt is the controller's answer (409 Conflict) for a SealedSecret none of
// its keys decrypts, for example one sealed for another name or namespace, or for another
// cluster.
var ErrCannotDecrypt = errors.New("the controller cannot decrypt it")

// Controller is a running sealed-secrets controller: the three HTTP endpoints this package
// uses. Bodies are SealedSecrets in JSON.
type Controller interface {
	// Certificate returns the PEM certificate the controller seals with now.
	Certificate(ctx context.Context) ([]byte, error)
	// Verify returns nil when the controller can decrypt the SealedSecret, ErrCannotDecrypt
	// when it cannot.
	Verify(ctx context.Context, sealedJSON []byte) error
	// Rotate returns the SealedSecret re-encrypted with the controller's newest key.
	Rotate(ctx context.Context, sealedJSON []byte) ([]byte, error)
	// String names the controller in messages.
	String() string
}

var (
	servicesResource     = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	servicesProxResource = schema.GroupVersionResource{Version: "v1", Resource: "services/proxy"}
)

// ServiceProxy reaches the controller through the API server's service proxy, with the
// user's identity, as kubeseal does: it needs get on the Service and on services/proxy in
// the controller's namespace, which the upstream chart grants to every authenticated user.
type ServiceProxy struct {
	Clients *argocdmanaged.Clients
	// Namespace and Name are the controller's Service (Profile.Features.SealedSecrets).
	Namespace, Name string
}

// NewServiceProxy is the controller that the profile names.
func NewServiceProxy(c *argocdmanaged.Clients, p argocdmanaged.Profile) *ServiceProxy {
	return &ServiceProxy{Clients: c, Namespace: p.Features.SealedSecrets.ControllerNamespace, Name: p.Features.SealedSecrets.ControllerName}
}

func (s *ServiceProxy) String() string {
	return fmt.Sprintf("sealed-secrets controller %s/%s", s.Namespace, s.Name)
}

// proxyName is the service proxy's "scheme:name:port" with the Service's first port name,
// which is how the chart and kubeseal address it.
func (s *ServiceProxy) proxyName(ctx context.Context) (string, error) {
	svc, err := s.Clients.Kube.CoreV1().Services(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", &NoControllerError{Namespace: s.Namespace, Name: s.Name}
	}
	if err != nil {
		return "", fmt.Errorf("finding the %s: %w", s, s.Clients.Explain(err, "get", servicesResource, s.Namespace, s.Name))
	}
	port := ""
	if len(svc.Spec.Ports) > 0 {
		port = svc.Spec.Ports[0].Name
	}
	return utilnet.JoinSchemeNamePort("http", s.Name, port), nil
}

func (s *ServiceProxy) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	name, err := s.proxyName(ctx)
	if err != nil {
		return nil, err
	}
	rc := s.Clients.Kube.CoreV1().RESTClient()
	req := rc.Verb(method).Namespace(s.Namespace).Resource("services").SubResource("proxy").Name(name).Suffix(path)
	if body != nil {
		req = req.Body(body).SetHeader("Content-Type", "application/json")
	}
	for attempt := 0; ; attempt++ {
		out, err := req.Do(ctx).Raw()
		var status apierrors.APIStatus
		if err != nil && errors.As(err, &status) {
			switch status.Status().Code {
			case http.StatusConflict:
				return nil, ErrCannotDecrypt
			case http.StatusTooManyRequests:
				// /v1/verify is rate limited (2 a second by default): wait and retry.
				if attempt < 20 {
					if werr := sleep(ctx, 600*time.Millisecond); werr != nil {
						return nil, werr
					}
					continue
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("asking the %s (%s): %w", s, path, s.Clients.Explain(err, "get", servicesProxResource, s.Namespace, name))
		}
		return out, nil
	}
}

// Certificate fetches /v1/cert.pem through the service proxy.
func (s *ServiceProxy) Certificate(ctx context.Context) ([]byte, error) {
	return s.do(ctx, http.MethodGet, "/v1/cert.pem", nil)
}

// Verify posts to /v1/verify through the service proxy.
func (s *ServiceProxy) Verify(ctx context.Context, sealedJSON []byte) error {
	_, err := s.do(ctx, http.MethodPost, "/v1/verify", sealedJSON)
	return err
}

// Rotate posts to /v1/rotate through the service proxy.
func (s *ServiceProxy) Rotate(ctx context.Context, sealedJSON []byte) ([]byte, error) {
	return s.do(ctx, http.MethodPost, "/v1/rotate", sealedJSON)
}

// Endpoint reaches the controller directly over HTTP, for example through
// `kubectl port-forward` or from inside the cluster.
type Endpoint struct {
	// URL is the controller's base URL, such as http://127.0.0.1:8080.
	URL string
	// HTTPClient defaults to a client with a one-minute timeout.
	HTTPClient *http.Client
}

func (e *Endpoint) String() string { return "sealed-secrets controller at " + e.URL }

func (e *Endpoint) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	c := e.HTTPClient
	if c == nil {
		c = &http.Client{Timeout: time.Minute}
	}
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(e.URL, "/")+path, rd)
		if err != nil {
			return nil, fmt.Errorf("asking the %s: %w", e, err)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, fmt.Errorf("asking the %s: %w", e, err)
		}
		out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("asking the %s: %w", e, err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return out, nil
		case resp.StatusCode == http.StatusConflict:
			return nil, ErrCannotDecrypt
		case resp.StatusCode == http.StatusTooManyRequests && attempt < 20:
			if err := sleep(ctx, 600*time.Millisecond); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("asking the %s (%s): %s", e, path, resp.Status)
		}
	}
}

// Certificate fetches /v1/cert.pem.
func (e *Endpoint) Certificate(ctx context.Context) ([]byte, error) {
	return e.do(ctx, http.MethodGet, "/v1/cert.pem", nil)
}

// Verify posts to /v1/verify.
func (e *Endpoint) Verify(ctx context.Context, sealedJSON []byte) error {
	_, err := e.do(ctx, http.MethodPost, "/v1/verify", sealedJSON)
	return err
}

// Rotate posts to /v1/rotate.
func (e *Endpoint) Rotate(ctx context.Context, sealedJSON []byte) ([]byte, error) {
	return e.do(ctx, http.MethodPost, "/v1/rotate", sealedJSON)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ReadCertificateFrom reads a certificate from a file name or an http(s) URL (--cert), and
// parses it.
func ReadCertificateFrom(ctx context.Context, location string, now time.Time) (*Certificate, error) {
	data, err := readLocation(ctx, location)
	if err != nil {
		return nil, err
	}
	c, err := ParseCertificate(data, now)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", location, err)
	}
	return c, nil
}

func readLocation(ctx context.Context, location string) ([]byte, error) {
	u, err := url.Parse(location)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
		if err != nil {
			return nil, fmt.Errorf("fetching certificate %s: %w", location, err)
		}
		resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetching certificate %s: %w", location, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("fetching certificate %s: %s", location, resp.Status)
		}
		return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	}
	if err == nil && u.Scheme == "file" {
		location = u.Path
	}
	data, err := os.ReadFile(location)
	if err != nil {
		return nil, fmt.Errorf("reading certificate: %w", err)
	}
	return data, nil
}

// NoControllerError: the profile's controller Service does not exist, so there is no
// controller to ask; a certificate given some other way still seals.
type NoControllerError struct {
	// Namespace and Name are the Service looked for.
	Namespace, Name string
}

func (e *NoControllerError) Error() string {
	return fmt.Sprintf("no Service %s in namespace %s: is SealedSecrets installed? Set features.sealedSecrets.controllerNamespace and controllerName in .ck8sargo.yaml", e.Name, e.Namespace)
}
