//go:build !linux

package editspace

// memoryDir is empty: outside Linux there is no memory-backed directory every system has.
func memoryDir() string { return "" }

func isMemory(string) bool { return false }
