// Package fix names the operations that mend a finding, so that a tool built on the
// checks can offer its own way to carry each out.
//
// A finding's remediation says what to do in words that any caller can show. When the
// remediation is one of these operations, the finding also carries a Fix: the kubectl
// plugin adds the command that does it, another tool its own button or API call. The
// libraries name no command and no flag; they name the operation.
package fix
