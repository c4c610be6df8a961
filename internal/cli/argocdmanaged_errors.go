package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/ck8sargo/ck8sargo/argocdmanaged"
	"github.com/ck8sargo/ck8sargo/namespaces"
)

// argocdmanagedError adds to an error of argocdmanaged or namespaces what the user of this
// plugin does about it, with the flag or command that does it; the libraries name none. An
// error it has hinted already, and any other error, is returned as it is.
func argocdmanagedError(err error) error {
	var hinted *rewordedError
	if err == nil || errors.As(err, &hinted) {
		return err
	}
	msg, ok := argocdmanagedHint(err)
	if !ok {
		return err
	}
	h := &rewordedError{msg: msg, err: err}
	// ExitCode prints an exitError's own error: keep its code, print the hint.
	var ee *exitError
	if errors.As(err, &ee) {
		return &exitError{Code: ee.Code, Err: h}
	}
	return h
}

// argocdmanagedHint is the plugin's message for err, and whether it has one.
func argocdmanagedHint(err error) (string, bool) {
	var (
		noConfig   *argocdmanaged.NoKubeconfigError
		profileErr *argocdmanaged.ProfileError
		refused    *namespaces.DeleteRefusedError
	)
	switch {
	case errors.As(err, &noConfig):
		msg := err.Error()
		switch {
		case noConfig.File != "":
			msg = strings.Replace(msg, noConfig.File+" does not exist", noConfig.File+" (--kubeconfig) does not exist", 1)
		case noConfig.FromEnv:
			msg = strings.Replace(msg, "point it at your cluster's kubeconfig", "point it at your cluster's kubeconfig or pass --kubeconfig", 1)
		default:
			msg = strings.Replace(msg, "then set KUBECONFIG", "then set KUBECONFIG or pass --kubeconfig", 1)
		}
		return msg, true
	case errors.As(err, &profileErr) && errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("%v; create one with `kubectl ck8sargo profile init`", err), true
	case errors.As(err, &profileErr) && errors.Is(err, argocdmanaged.ErrEmptyProfile):
		return fmt.Sprintf("%v; write one with `kubectl ck8sargo profile init`", err), true
	case errors.As(err, &refused):
		return fmt.Sprintf("%v; use --force to delete anyway", err), true
	}
	return "", false
}
