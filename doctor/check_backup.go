package doctor

import (
	"context"
	"fmt"
	"time"

	"github.com/ck8sargo/ck8sargo/backup"
	"github.com/ck8sargo/ck8sargo/backup/store"
	"github.com/ck8sargo/ck8sargo/policy"
)

var backupCheck = Check{
	Name:    "backup",
	Summary: "the newest backup in the configured store is recent and verifies",
	Run:     runBackup,
}

func runBackup(ctx context.Context, r *Env) (string, bool) {
	url := r.Options.BackupURL
	if url == "" {
		url = r.Options.Profile.Backup.To
	}
	if url == "" {
		return "no backup store configured (profile backup.to or Options.BackupURL)", true
	}
	ref := policy.ObjectRef{Kind: "BackupStore", Name: store.Redact(url)}
	st, err := store.Open(ctx, url)
	if err != nil {
		r.add(policy.Finding{Rule: RuleBackupStore, Severity: policy.SeverityError, Object: ref, Message: err.Error(),
			Remediation: "check backup.to in the profile and the store's credentials"})
		return "store not readable", false
	}
	defer st.Close()
	list, err := st.List(ctx)
	if err != nil {
		r.add(policy.Finding{Rule: RuleBackupStore, Severity: policy.SeverityError, Object: ref, Message: err.Error()})
		return "store not readable", false
	}
	if len(list) == 0 {
		r.add(policy.Finding{Rule: RuleBackupAge, Severity: policy.SeverityError, Object: ref,
			Message:     "the store holds no backup",
			Remediation: string(RemedyExportBackup)})
		return "no backup", false
	}
	newest := list[0]
	for _, b := range list[1:] {
		if b.Modified.After(newest.Modified) {
			newest = b
		}
	}
	ref.Name = newest.Name
	age := r.Now.Sub(newest.Modified)
	if age > r.Options.BackupMaxAge {
		r.add(policy.Finding{Rule: RuleBackupAge, Severity: policy.SeverityError, Object: ref,
			Message:     fmt.Sprintf("the newest backup %s is %s old, more than %s", newest.Name, age.Round(time.Minute), r.Options.BackupMaxAge),
			Remediation: string(RemedyCheckBackupSchedule)})
	}
	res, err := backup.Verify(ctx, st, newest.Name, backup.VerifyOptions{Profile: r.Options.Profile})
	switch {
	case err != nil:
		r.add(policy.Finding{Rule: RuleBackupVerify, Severity: policy.SeverityError, Object: ref,
			Message: fmt.Sprintf("backup %s does not verify: %v", newest.Name, err), Remediation: "take a new backup and find out what damaged this one"})
	case !res.OK():
		r.add(policy.Finding{Rule: RuleBackupVerify, Severity: policy.SeverityError, Object: ref,
			Message: fmt.Sprintf("backup %s holds objects a restore would refuse: %v", newest.Name, res.Problems)})
	}
	return fmt.Sprintf("newest backup %s, %s old", newest.Name, age.Round(time.Minute)), false
}
