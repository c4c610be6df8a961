// Package store keeps backups in object storage through gocloud.dev/blob: a local
// directory (file://DIR, the default), any S3-compatible server
// (s3://BUCKET?endpoint=URL&use_path_style=true&region=R), Google Cloud Storage (gs://)
// and Azure Blob Storage (azblob://). A prefix inside the bucket is given with ?prefix=.
//
// A backup NAME is two objects: NAME.tar.gz, the archive (package archive), and
// NAME.manifest.json, a copy of its manifest written only after the archive is complete.
// Uploads are atomic (a file is renamed into place, an S3 multipart upload is completed
// only on success) and a backup is listed only once its manifest copy exists, so a partial
// upload is never listed as a backup.
package store
