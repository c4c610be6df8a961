// Package bytesize writes sizes as people read them (12.5 MiB), for the sizes the tool shows:
// backups in a store, files over the read limit.
package bytesize
