// Package golive turns the platform's go-live checklist into a report: for each item, what
// the manifests and the cluster show (pass or fail, with the objects at fault), and what only
// a person can confirm (needs-a-human, with what to do). Teams paste its Markdown into their
// go-live review.
//
// The workload facts are read with the policy package's loader, so that the Helm charts and
// Kustomize overlays of the repository's Applications are checked as Argo CD renders them.
package golive
