// Package doctor looks at a live managed Argo CD environment and says what is wrong with it
// before a sync fails or a go-live review does: access rights, the secret backends,
// notifications, the Applications, backups, and the known Dex login issue.
//
// Each check calls the library of the command group it belongs to (policy, secrets, notify,
// backup); the doctor only gathers what they find into one policy.Report, and offers the
// fixes it can make itself, each applied only when the caller says so.
package doctor
