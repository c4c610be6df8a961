// Package editspace keeps the plaintext of a file while a person edits it: in a 0700
// directory of its own, on memory-backed storage where the system has it (/dev/shm, a
// tmpfs, on Linux), named for the process that owns it, so that the next run can remove
// what a killed run (SIGKILL, a closed terminal, a crash) left behind.
//
// A memfd would keep the plaintext off every file system, but editors save by writing a new
// file and renaming it over the old one (vim's backupcopy, VS Code, most IDEs), which a
// memfd's /proc path cannot take: a tmpfs directory gives the same "never on disk" for the
// editors people use.
package editspace
