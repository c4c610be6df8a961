// Package sealedtest runs the real sealed-secrets controller (built by
// tools/sealed-secrets/build.sh) out of cluster against an internal/testenv control plane,
// for interop tests: in a network namespace of its own, so that the API server's service
// proxy (which refuses loopback endpoints) reaches it at a routable address, and in a
// private mount namespace where its service-account token, CA and namespace file are where
// in-cluster configuration reads them. It needs root, iproute2 and util-linux.
package sealedtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/ck8sargo/ck8sargo/internal/testenv"
)

// Module is the release whose controller and CRD the interop tests run.
const Module = "github.com/bitnami-labs/sealed-secrets@v0.27.1"

// SealedSecretsResource is the SealedSecret resource.
var SealedSecretsResource = schema.GroupVersionResource{Group: "bitnami.com", Version: "v1alpha1", Resource: "sealedsecrets"}

// Controller is the real sealed-secrets controller, run out of cluster against the test
// API server: in a network namespace of its own, so that the API server's service proxy
// (which refuses loopback endpoints) can reach it at a routable address, and in a private
// mount namespace where its service-account token, CA and namespace are where in-cluster
// configuration looks for them.
type Controller struct {
	Namespace, Name string
	// URL is the controller's HTTP address, reachable from the test process.
	URL  string
	IP   string
	Port int

	env   *testenv.Env
	saDir string
	netns string
	cmd   *exec.Cmd
	logs  *lockedBuffer
	fwd   net.Listener
}

// Stop kills the controller and removes its network namespace.
func (c *Controller) Stop() {
	if c == nil {
		return
	}
	if c.cmd != nil && c.cmd.Process != nil {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	}
	if c.fwd != nil {
		c.fwd.Close()
	}
	if c.netns != "" {
		_ = exec.Command("ip", "netns", "del", c.netns).Run()
	}
	if c.saDir != "" {
		os.RemoveAll(c.saDir)
	}
}

// Logs is what the controller printed so far.
func (c *Controller) Logs() string { return c.logs.String() }

type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Start installs the controller into env the way the upstream chart does and starts it.
// Call Stop when done, also after an error.
func Start(ctx context.Context, env *testenv.Env) (*Controller, error) {
	bin := filepath.Join(testenv.BinDir(), "sealed-secrets-controller")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s is missing: run `make test-bin` (tools/sealed-secrets/build.sh)", bin)
	}
	p := env.Profile.Features.SealedSecrets
	c := &Controller{env: env, Namespace: p.ControllerNamespace, Name: p.ControllerName, Port: 8080, logs: &lockedBuffer{}}
	if err := installController(ctx, env, c.Namespace, c.Name); err != nil {
		return c, err
	}
	saDir, err := serviceAccountFiles(ctx, env, c.Namespace, c.Name)
	if err != nil {
		return c, err
	}
	c.saDir = saDir
	if err := c.makeNetns(); err != nil {
		return c, err
	}
	apiURL, err := url.Parse(env.Admin.Host)
	if err != nil {
		return c, fmt.Errorf("API server address %q: %w", env.Admin.Host, err)
	}
	apiHost, apiPort, err := net.SplitHostPort(apiURL.Host)
	if err != nil {
		return c, fmt.Errorf("API server address %q: %w", env.Admin.Host, err)
	}
	// Inside the network namespace, 127.0.0.1:apiPort leads to the API server (its
	// certificate names 127.0.0.1), through a listener that lives in that namespace.
	if c.fwd, err = listenInNetns(c.netns, net.JoinHostPort("127.0.0.1", apiPort)); err != nil {
		return c, err
	}
	go forward(c.fwd, net.JoinHostPort(apiHost, apiPort))

	script := `set -e
mount -t tmpfs tmpfs /run
mkdir -p /run/secrets/kubernetes.io/serviceaccount
mount --bind "$SA_DIR" /run/secrets/kubernetes.io/serviceaccount
exec "$CONTROLLER" "$@"`
	c.cmd = exec.Command("ip", "netns", "exec", c.netns, "unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
		"--listen-addr", net.JoinHostPort(c.IP, strconv.Itoa(c.Port)),
		"--listen-metrics-addr", "127.0.0.1:8081",
		"--update-status=true")
	c.cmd.Env = append(os.Environ(),
		"SA_DIR="+saDir, "CONTROLLER="+bin,
		"KUBERNETES_SERVICE_HOST=127.0.0.1", "KUBERNETES_SERVICE_PORT="+apiPort,
		"POD_NAMESPACE="+c.Namespace)
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	if err := c.cmd.Start(); err != nil {
		return c, fmt.Errorf("starting the controller: %w", err)
	}
	c.URL = fmt.Sprintf("http://%s:%d", c.IP, c.Port)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(c.URL + "/v1/cert.pem")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return c, fmt.Errorf("the controller did not serve its certificate within two minutes; its log:\n%s", c.logs.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
	if err := c.publishEndpoints(ctx); err != nil {
		return c, err
	}
	// The API server sees the EndpointSlice through an informer: wait until it proxies.
	for {
		_, err := env.AdminClient.CoreV1().Services(c.Namespace).ProxyGet("http", c.Name, "http", "/healthz", nil).DoRaw(ctx)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return c, fmt.Errorf("the API server does not proxy to the controller: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// makeNetns creates a network namespace with a veth pair: the host side and the
// controller's side each get an address of a /30 picked from the process id.
func (c *Controller) makeNetns() error {
	pid := os.Getpid()
	c.netns = fmt.Sprintf("ck8s-ss-%d", pid)
	host, peer := fmt.Sprintf("vss%dh", pid%100000), fmt.Sprintf("vss%dc", pid%100000)
	subnet := fmt.Sprintf("10.251.%d.%d", (pid/64)%256, (pid%64)*4)
	base := strings.Split(subnet, ".")
	last, _ := strconv.Atoi(base[3])
	hostIP := fmt.Sprintf("%s.%s.%s.%d", base[0], base[1], base[2], last+1)
	c.IP = fmt.Sprintf("%s.%s.%s.%d", base[0], base[1], base[2], last+2)
	steps := [][]string{
		{"ip", "netns", "add", c.netns},
		{"ip", "link", "add", host, "type", "veth", "peer", "name", peer},
		{"ip", "link", "set", peer, "netns", c.netns},
		{"ip", "addr", "add", hostIP + "/30", "dev", host},
		{"ip", "link", "set", host, "up"},
		{"ip", "netns", "exec", c.netns, "ip", "addr", "add", c.IP + "/30", "dev", peer},
		{"ip", "netns", "exec", c.netns, "ip", "link", "set", peer, "up"},
		{"ip", "netns", "exec", c.netns, "ip", "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := run(s...); err != nil {
			return fmt.Errorf("setting up the controller's network namespace (needs root and iproute2): %w", err)
		}
	}
	return nil
}

// listenInNetns opens a TCP listener inside the named network namespace. The socket stays
// in that namespace whichever thread later accepts on it.
func listenInNetns(name, addr string) (net.Listener, error) {
	type result struct {
		ln  net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: err}
			return
		}
		defer orig.Close()
		target, err := os.Open(filepath.Join("/run/netns", name))
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("entering network namespace %s: %w", name, err)}
			return
		}
		ln, lerr := net.Listen("tcp", addr)
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread stays locked and dies with this goroutine: it is in the wrong
			// namespace and must not run anything else.
			ch <- result{ln: ln, err: fmt.Errorf("leaving network namespace %s: %w", name, err)}
			return
		}
		runtime.UnlockOSThread()
		ch <- result{ln: ln, err: lerr}
	}()
	r := <-ch
	return r.ln, r.err
}

func forward(ln net.Listener, to string) {
	for {
		in, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer in.Close()
			out, err := net.Dial("tcp", to)
			if err != nil {
				return
			}
			defer out.Close()
			done := make(chan struct{}, 2)
			go func() { _, _ = io.Copy(out, in); done <- struct{}{} }()
			go func() { _, _ = io.Copy(in, out); done <- struct{}{} }()
			<-done
		}()
	}
}

// installController lays out what the upstream chart installs: the CRD (from the module),
// the namespace, the service account with the chart's RBAC, and the service-proxier role
// that lets every authenticated user fetch the certificate.
func installController(ctx context.Context, env *testenv.Env, ns, name string) error {
	kube := env.AdminClient
	dir, err := testenv.ModuleDir(ctx, Module)
	if err != nil {
		return err
	}
	crdData, err := os.ReadFile(filepath.Join(dir, "helm", "sealed-secrets", "crds", "bitnami.com_sealedsecrets.yaml"))
	if err != nil {
		return err
	}
	var crd map[string]any
	if err := yaml.Unmarshal(crdData, &crd); err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(env.Admin)
	if err != nil {
		return err
	}
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	if _, err := dyn.Resource(crdGVR).Create(ctx, &unstructured.Unstructured{Object: crd}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("installing the SealedSecret CRD: %w", err)
	}
	for {
		_, err := dyn.Resource(SealedSecretsResource).List(ctx, metav1.ListOptions{})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("the SealedSecret CRD never became served: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	creates := []func() error{
		func() error {
			_, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := kube.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
				ObjectMeta: metav1.ObjectMeta{Name: "secrets-unsealer"},
				Rules: []rbacv1.PolicyRule{
					{APIGroups: []string{"bitnami.com"}, Resources: []string{"sealedsecrets"}, Verbs: []string{"get", "list", "watch"}},
					{APIGroups: []string{"bitnami.com"}, Resources: []string{"sealedsecrets/status"}, Verbs: []string{"update"}},
					{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "create", "update", "delete", "watch"}},
					{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
				},
			}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := kube.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: name},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "secrets-unsealer"},
				Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: ns}},
			}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := kube.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{
				ObjectMeta: metav1.ObjectMeta{Name: name + "-service-proxier"},
				Rules: []rbacv1.PolicyRule{
					{APIGroups: []string{""}, Resources: []string{"services"}, ResourceNames: []string{name}, Verbs: []string{"get"}},
					{APIGroups: []string{""}, Resources: []string{"services/proxy"}, ResourceNames: []string{"http:" + name + ":", "http:" + name + ":http", name}, Verbs: []string{"create", "get"}},
				},
			}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := kube.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: name + "-service-proxier"},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name + "-service-proxier"},
				Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "system:authenticated"}},
			}, metav1.CreateOptions{})
			return err
		},
	}
	for _, create := range creates {
		if err := create(); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("installing the controller: %w", err)
		}
	}
	return nil
}

// serviceAccountFiles writes the token (from the TokenRequest API), CA and namespace that
// the controller's in-cluster configuration reads.
func serviceAccountFiles(ctx context.Context, env *testenv.Env, ns, name string) (string, error) {
	exp := int64(3600)
	tr, err := env.AdminClient.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &exp},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("requesting a token for the controller: %w", err)
	}
	dir, err := os.MkdirTemp("", "ck8sargo-sealed-sa-")
	if err != nil {
		return "", err
	}
	files := map[string][]byte{"token": []byte(tr.Status.Token), "ca.crt": env.Admin.CAData, "namespace": []byte(ns)}
	for f, data := range files {
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o600); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// publishEndpoints points the controller's Service at its address, as the endpoint
// controllers of a real cluster would for its pod.
func (c *Controller) publishEndpoints(ctx context.Context) error {
	kube := c.env.AdminClient
	port := int32(c.Port)
	portName := "http"
	_, err := kube.CoreV1().Services(c.Namespace).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: c.Name},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: portName, Port: port, TargetPort: intstr.FromInt32(port)}}},
	}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the controller Service: %w", err)
	}
	// The API server proxies only to endpoints that are pods with that address: record the
	// controller as the pod a kubelet would have reported.
	no := false
	pod, err := kube.CoreV1().Pods(c.Namespace).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: c.Name + "-0", Labels: map[string]string{"name": c.Name}},
		Spec: corev1.PodSpec{
			ServiceAccountName:           c.Name,
			AutomountServiceAccountToken: &no,
			Containers:                   []corev1.Container{{Name: "controller", Image: "docker.io/bitnami/sealed-secrets-controller:0.27.1"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("creating the controller Pod record: %w", err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: c.IP, PodIPs: []corev1.PodIP{{IP: c.IP}}}
	if _, err := kube.CoreV1().Pods(c.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("recording the controller Pod's address: %w", err)
	}
	ready := true
	proto := corev1.ProtocolTCP
	_, err = kube.DiscoveryV1().EndpointSlices(c.Namespace).Create(ctx, &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: c.Name + "-ck8s", Labels: map[string]string{discoveryv1.LabelServiceName: c.Name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{c.IP},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: c.Namespace, Name: pod.Name},
		}},
		Ports: []discoveryv1.EndpointPort{{Name: &portName, Port: &port, Protocol: &proto}},
	}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the controller EndpointSlice: %w", err)
	}
	return nil
}

// WaitForSecret waits until the controller has unsealed the Secret ns/name.
func (c *Controller) WaitForSecret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	env := c.env
	for {
		s, err := env.AdminClient.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			return s, nil
		}
		if !apierrors.IsNotFound(err) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, errors.New("the controller did not unseal it in time; its log:\n" + c.logs.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
