//go:build !unix

package boltstore

// cpuTime is 0 where getrusage is missing: the cpu-ns/op metric is then 0.
func cpuTime() int64 { return 0 }
